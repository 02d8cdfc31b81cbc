/** Plain data the lab's store holds: no engine handles, no React. */
import type { ModelInfo, PositionMode, SamplingSettings } from '../engine/api';
import type { LayerStat } from '../persona/layerStats';
import type { Readout } from '../persona/personaVector';
import type { LabSweepSummary } from '../persona/pipeline/labSweep';
import type { TraitIssue, TraitSet } from '../persona/traitSet';
import type { Preset, PresetTrait } from '../share/preset';

export type { ModelInfo, PositionMode, SamplingSettings, LayerStat, Readout, TraitIssue, TraitSet, Preset, PresetTrait };

/** What the UI shows for any failure: a sentence and what to do about it. */
export interface UiError {
  message: string;
  hint?: string;
}

export type BackendPref = 'auto' | 'webgpu' | 'wasm';

/** Progress of long work, shown as a progressbar with counts and an ETA. */
export interface JobProgress {
  label: string;
  done: number;
  /** null = unknown total (indeterminate bar). */
  total: number | null;
  etaSeconds: number | null;
  /** Optional unit for counts (e.g. "bytes", "responses"). */
  unit?: string;
}

export type TraitOrigin = 'builtin' | 'demo' | 'user';

export interface TraitEntry {
  set: TraitSet;
  origin: TraitOrigin;
}

/** A persona vector the lab computed or restored, with what we know about its layers. */
export interface VectorEntry {
  trait: string;
  modelId: string;
  /** L+1 rows (embed + one per block), hidden wide. */
  rows: number;
  hidden: number;
  /** Row-major [rows, hidden] float32. */
  data: Float32Array;
  /** Rows that hold data (a share link carries only the chosen layer); undefined = all. */
  presentRows?: number[];
  /** Suggested / chosen decoder block. */
  layer: number;
  /** Which activations were averaged (docs/ARCHITECTURE.md §4 "Activations"); absent = response_avg (older saved state). */
  readout?: Readout;
  /** Per-layer statistics of this readout's vector on held-out responses. */
  stats: LayerStat[] | null;
  /** Median per-token residual norm per row, from the extraction captures. */
  typicalNorms: number[] | null;
  samples: { pos: number; neg: number };
  note?: string;
  createdAt: number;
  /** The steering sweep run after Extract (persona/pipeline/labSweep.ts): its table and the suggested cell. */
  sweep?: LabSweepSummary;
}

/** Per-token projections of one text onto the active traits at the steering layer. */
export interface TokenMonitor {
  tokens: string[];
  promptLength: number;
  layer: number;
  /** trait → one value per token. */
  projections: Record<string, number[]>;
  /** trait → projection of the last prompt token (the paper's monitoring signal). */
  lastPrompt: Record<string, number>;
  /** ‖resid‖ of the last prompt token per row (embed, blocks.0 … blocks.L-1). */
  layerNorms: number[];
}

export interface ChatTurn {
  id: string;
  user: string;
  unsteered: string;
  steered: string;
  /** α per trait used for the steered reply. */
  alphas: Record<string, number>;
  layer: number | null;
  seed: number;
  status: 'running' | 'done' | 'cancelled' | 'error';
  monitor?: TokenMonitor;
}

export interface CoefficientSweep {
  trait: string;
  layer: number;
  prompt: string;
  points: { alpha: number; text: string; score: number | null }[];
}

export interface ScreenRow {
  line: number;
  prompt: string;
  response: string;
  /** Response-average projection a(x, y)·v̂. */
  projection: number;
  /** ΔP (full when the model's own answers were generated, else the cheap variant). */
  delta: number;
  percentile: number;
  flagged: boolean;
}

export type Tab = 'model' | 'traits' | 'chat' | 'monitor' | 'screen' | 'presets';
export type Theme = 'dark' | 'light';
