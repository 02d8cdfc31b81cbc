/** Steering slice: sliders, layer, position mode, sampling, and the conversation. */
import type { ChatTurn, PositionMode, SamplingSettings, CoefficientSweep, UiError } from './types';

export interface SteeringSlice {
  /** α per trait (traits with a slider). */
  alphas: Record<string, number>;
  /** Traits whose slider is shown, in order. */
  active: string[];
  layer: number | null;
  positions: PositionMode;
  sampling: SamplingSettings;
  seed: number;
  maxNewTokens: number;
  systemPrompt: string;
  draft: string;
  turns: ChatTurn[];
  generating: boolean;
  chatError: UiError | null;
  sweep: CoefficientSweep | null;
  sweepRunning: boolean;
  /** What the last α to enter the store was clamped from and to (role="status"); null when kept. */
  alphaNote: string | null;
}

export const initialSteering: SteeringSlice = {
  alphas: {},
  active: [],
  layer: null,
  positions: 'response',
  sampling: { temperature: 0, topK: 0, topP: 1 },
  seed: 42,
  maxNewTokens: 48,
  systemPrompt: '',
  draft: '',
  turns: [],
  generating: false,
  chatError: null,
  sweep: null,
  sweepRunning: false,
  alphaNote: null,
};
