/** Steering slice: sliders, layer, position mode, sampling, and the conversation. */
import { nameRecord } from '../persona/nameRecord';
import { norm } from '../persona/project';
import { clampAlpha, labAlphaLimits } from '../persona/steering';
import { vectorRowOf } from './actions/steer';
import type { ChatTurn, PositionMode, SamplingSettings, SweepResult, UiError, VectorEntry } from './types';

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
  sweep: SweepResult | null;
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

/** ‖row layer+1‖ and the typical residual norm there, when both are known and positive. */
function normsAt(v: VectorEntry | undefined, layer: number | null): { vector: number; typical: number } | null {
  if (!v || layer === null) return null;
  const typical = v.typicalNorms?.[layer + 1];
  const row = vectorRowOf(v, layer + 1);
  return row && typical && typical > 0 ? { vector: norm(row), typical } : null;
}

/**
 * α for one trait kept within the lab's sensible range for the position mode (labAlphaLimits):
 * relative to the typical residual norm at the steering layer when known, else in raw α.
 * Non-finite α becomes 0.
 */
export function clampTraitAlpha(trait: string, alpha: number, vectors: Record<string, VectorEntry>, layer: number | null, positions: PositionMode): { alpha: number; note?: string } {
  const n = normsAt(vectors[trait], layer);
  const limits = labAlphaLimits(positions);
  const c = n ? clampAlpha(alpha, n.vector, n.typical, limits) : clampAlpha(alpha, undefined, undefined, limits);
  return c.note ? { alpha: Number(c.alpha.toPrecision(6)), note: `${trait}: ${c.note} (${positions} mode)` } : { alpha };
}

/**
 * Every α that enters the store (a slider, a preset, a share link, a restored or imported lab)
 * passes through here: α values that changed are clamped to the limits of the position mode;
 * returns the fixed map and a note, or null when nothing had to change. `recheckAll` clamps every
 * α (the position mode changed, and with it the limits).
 */
export function clampEnteringAlphas(
  before: Record<string, number>, after: Record<string, number>, vectors: Record<string, VectorEntry>, layer: number | null, positions: PositionMode, recheckAll = false,
): { alphas: Record<string, number>; note: string | null } {
  let fixed: Record<string, number> | null = null;
  const notes: string[] = [];
  for (const [t, a] of Object.entries(after)) {
    if (!recheckAll && before[t] === a && Number.isFinite(a)) continue;
    const c = clampTraitAlpha(t, a, vectors, layer, positions);
    if (c.note) {
      fixed ??= nameRecord(after);
      fixed[t] = c.alpha;
      notes.push(c.note);
    }
  }
  return { alphas: fixed ?? after, note: notes.length ? notes.join('; ') : null };
}
