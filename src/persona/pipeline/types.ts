/**
 * Shared types of the persona-vectors pipeline (docs/ARCHITECTURE.md §4): the context every step runs in
 * (an EngineApi, the model's info, a storage, cancellation and progress), its settings, and the
 * records it stores. Steps are engine-agnostic: they run in Node on `Engine` and in the browser
 * over the page-side `EngineClient`.
 */
import type { EngineApi, ModelInfo, PositionMode } from '../../engine/api';
import type { PersonaStorage } from '../../storage/types';
import type { FilterSettings } from '../filter';
import type { Readout } from '../personaVector';
import type { PromptFormat } from '../promptFormat';

export type PipelineStep = 'rollouts' | 'judge' | 'activations' | 'heldout' | 'sweep' | 'steer' | 'monitor' | 'screen';

export interface PipelineProgress {
  step: PipelineStep;
  /** Part of the step (e.g. 'extraction' / 'evaluation' rollouts, 'generate' / 'judge' in a sweep). */
  phase?: string;
  /** Items finished so far (including those found in storage). */
  done: number;
  total: number;
  /** Items found in storage and not recomputed. */
  skipped: number;
  elapsedMs: number;
  /** Estimated time left, from the items computed in this session; null before the first batch. */
  etaMs: number | null;
  message?: string;
}

export interface PipelineContext {
  engine: EngineApi;
  /** The loaded model (from `engine.load`): layer count, hidden size, vocabulary, context length, id. */
  info: Pick<ModelInfo, 'id' | 'numLayers' | 'hiddenSize' | 'vocabSize' | 'maxPositions'> & { hasChatTemplate?: boolean };
  /** How prompts are written (promptFormat.ts); default from info.hasChatTemplate (none → completion). */
  promptFormat?: PromptFormat;
  storage: PersonaStorage;
  signal?: AbortSignal;
  onProgress?: (p: PipelineProgress) => void;
}

export type PipelineErrorCode = 'cancelled' | 'no_pairs' | 'judge' | 'bad_input';

/** A pipeline failure with a message for people and a hint at what to do. */
export class PipelineError extends Error {
  override readonly name = 'PipelineError';
  constructor(
    readonly code: PipelineErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export interface SweepSettings {
  /** Decoder blocks to steer, one at a time (default: every block). */
  layers?: number[];
  /** Steering coefficients (raw α on the unnormalised vector). */
  alphas: number[];
  /** System prompt of the steered conversations; null = none (the paper's default). */
  systemPrompt: string | null;
  /** Evaluation questions used (default all). */
  maxQuestions?: number;
  maxNewTokens?: number;
  /** Cells whose mean coherence is below this cannot win the layer choice (default 50). */
  coherenceMin?: number;
  /**
   * Position modes to try (default ["response"], the paper's). A model whose style is settled at the
   * first answer token may only move when the prompt is steered ("prompt").
   */
  positions?: PositionMode[];
  /** Readouts whose vectors are swept (default: the run's readout only). */
  readouts?: Readout[];
  /**
   * Shuffled-label control vectors checked at the best cells before one is chosen to steer with
   * (specificity.ts; default 0, no check). A cell is skipped when a control raises the mean trait
   * score more than controlMaxRise (default 20) over the unsteered baseline.
   */
  controls?: number;
  controlMaxRise?: number;
  /**
   * Strengths relative to the residual stream instead of raw α (the lab's slider clamp is relative):
   * at each layer and readout, α = ρ · typicalNorms[layer + 1] / ‖vector row‖, for every ρ in `rhos`
   * (`alphas` is then unused). typicalNorms is indexed by row (0 = embeddings).
   */
  relative?: { rhos: number[]; typicalNorms: number[] };
}

export interface PipelineSettings {
  /** Samples per (question, instruction, side); 1 = greedy. */
  samples: number;
  maxNewTokens: number;
  /** Sampling temperature when samples > 1. */
  temperature: number;
  /** Rows per engine call. */
  batchSize: number;
  seed: number;
  /** Use at most this many extraction questions / instruction pairs (default all). */
  maxExtractionQuestions?: number;
  maxInstructions?: number;
  /** Held-out rollouts for per-layer statistics: evaluation questions and instruction pairs used. */
  maxEvaluationQuestions?: number;
  evaluationInstructions: number;
  /** Name on the negative side's system prompt: the trait's antonym, or "helpful" (the paper). */
  negativeName: 'antonym' | 'helpful';
  filter: FilterSettings;
  /** The readout whose vector is the result (all three are computed and stored). */
  readout: Readout;
  /** Steering sweep over layers × α on evaluation questions; null skips it. */
  sweep: SweepSettings | null;
}

export const DEFAULT_SETTINGS: PipelineSettings = {
  samples: 1,
  maxNewTokens: 64,
  temperature: 1,
  batchSize: 16,
  seed: 0,
  evaluationInstructions: 1,
  negativeName: 'helpful',
  filter: {},
  readout: 'response_avg',
  sweep: { alphas: [1, 2], systemPrompt: null },
};

export function resolveSettings(s: Partial<PipelineSettings> = {}): PipelineSettings {
  const out: PipelineSettings = { ...DEFAULT_SETTINGS, ...s, filter: { ...DEFAULT_SETTINGS.filter, ...s.filter } };
  for (const k of ['samples', 'maxNewTokens', 'batchSize', 'evaluationInstructions'] as const) {
    if (!Number.isInteger(out[k]) || out[k] < 1) throw new PipelineError('bad_input', `setting ${k} must be a positive integer, got ${out[k]}`);
  }
  if (!(out.temperature >= 0)) throw new PipelineError('bad_input', `temperature must be ≥ 0, got ${out.temperature}`);
  return out;
}

export type Side = 'pos' | 'neg';
export type Split = 'extraction' | 'evaluation';

/** One generated response (collection "rollouts"). */
export interface RolloutRecord {
  id: string;
  runId: string;
  split: Split | 'sweep';
  side: Side | 'steer';
  /** Index into the split's question list. */
  question: number;
  instruction: number;
  sample: number;
  system: string | null;
  user: string;
  response: string;
  tokens: number;
  finish: 'stop' | 'length' | 'cancelled';
  /** Steering of sweep rows (layer null = unsteered baseline). */
  layer?: number | null;
  alpha?: number;
  /** Where a steered row was steered (default "response", the paper's default). */
  positions?: PositionMode;
}

/** A judge's scores of one rollout (collection "scores"). */
export interface ScoreRecord {
  id: string;
  rolloutId: string;
  judge: string;
  trait: number | null;
  coherence: number | null;
}
