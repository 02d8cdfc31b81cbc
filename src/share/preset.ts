/**
 * The preset format: a saved steering setup, everything needed to reproduce a steered reply. The
 * share layer owns it (links and preset files encode exactly this); the store keeps presets as is.
 */
import type { PositionMode, SamplingSettings } from '../engine/api';

/** A saved steering setup: everything needed to reproduce a steered reply. */
export interface Preset {
  name: string;
  modelId: string;
  /** Hub host the model came from, when not the default. */
  hubHost?: string;
  layer: number;
  positions: PositionMode;
  sampling: SamplingSettings;
  seed: number;
  maxNewTokens: number;
  systemPrompt: string;
  /** Last user message, so a restored lab can reproduce the reply. */
  prompt: string;
  traits: PresetTrait[];
  createdAt: number;
}

export interface PresetTrait {
  name: string;
  alpha: number;
  /** The vector row steered (length hidden) at `layer`. */
  vector: Float32Array;
  /** Norm of the vector row and typical residual norm at the layer, for the relative scale. */
  typicalNorm?: number;
}
