/**
 * Steering strength in two units (docs/ARCHITECTURE.md §4 "Vector", "Steering"). The engine adds α·v to
 * `blocks.{l}.resid_post`; because residual norms grow with depth, the same α means different
 * things at different layers. The relative strength
 *   ρ = α·‖v‖ / typicalNorm(l)
 * is the size of the added vector as a fraction of a typical residual vector at that layer.
 */
import type { PositionMode } from '../engine/steering';
import { nameRecord } from './nameRecord';
import { median } from './stats';

/** ρ = α·‖v‖/typicalNorm. */
export function relativeAlpha(alpha: number, vectorNorm: number, typicalNorm: number): number {
  if (!(typicalNorm > 0)) throw new Error(`typical residual norm must be positive, got ${typicalNorm}; capture some text at this layer first`);
  return (alpha * vectorNorm) / typicalNorm;
}

/** α = ρ·typicalNorm/‖v‖. */
export function absoluteAlpha(relative: number, vectorNorm: number, typicalNorm: number): number {
  if (!(vectorNorm > 0)) throw new Error(`vector norm must be positive, got ${vectorNorm}; this layer's vector is empty`);
  return (relative * typicalNorm) / vectorNorm;
}

/**
 * Typical residual norm at one layer: the median per-token L2 norm of a [T, hidden] slice.
 * The first token is skipped by default (attention-sink tokens have norms tens of times larger).
 */
export function typicalResidualNorm(slice: Float32Array, hidden: number, skipFirst = true): number {
  if (slice.length % hidden !== 0) throw new Error(`slice of ${slice.length} values is not [T, ${hidden}]`);
  const t = slice.length / hidden;
  const norms: number[] = [];
  for (let i = skipFirst && t > 1 ? 1 : 0; i < t; i++) {
    let s = 0;
    for (let k = 0; k < hidden; k++) s += slice[i * hidden + k] ** 2;
    norms.push(Math.sqrt(s));
  }
  return median(norms);
}

export interface AlphaLimits {
  /** Largest |ρ| allowed (default 1: the added vector as large as the residual itself). */
  maxRelative?: number;
  /** Largest |α| allowed when no typical norm is known (default 20). */
  maxAbsolute?: number;
}

/**
 * The lab's sensible range for α when answer tokens are steered (position modes 'response' and
 * 'all'; labAlphaLimits gives the range for any mode), used wherever α enters (the steering
 * sliders' store, presets, share links, a lab archive, the CLI). The chat slider reaches ρ = 2 by design (and at least
 * ±4 in raw α), so the store must not undercut it: |ρ| ≤ 4 (an added vector four times a typical
 * residual vector, far past the point where replies stay coherent) when the norms are known, else
 * clampAlpha's |α| ≤ 20.
 */
export const LAB_ALPHA_LIMITS: Required<AlphaLimits> = { maxRelative: 4, maxAbsolute: 20 };

/**
 * The lab's range when only the prompt is steered (position mode 'prompt'): three times wider.
 * The vector is added during the prefill only and never to the answer's own tokens, so the answer
 * stays readable at strengths that would break it when every answer token is steered; on the demo
 * model the prompt_last vector needs ρ ≈ 3.5–9 in this mode to move the trait (ρ 12 leaves headroom).
 */
export const PROMPT_ALPHA_LIMITS: Required<AlphaLimits> = { maxRelative: 12, maxAbsolute: 60 };

/** The lab's α limits for a position mode: PROMPT_ALPHA_LIMITS for 'prompt', LAB_ALPHA_LIMITS for 'all' and 'response'. */
export function labAlphaLimits(positions: PositionMode): Required<AlphaLimits> {
  return positions === 'prompt' ? PROMPT_ALPHA_LIMITS : LAB_ALPHA_LIMITS;
}

/** The strictest limits over several position modes (one α list used in all of them, e.g. a CLI sweep). */
export function strictestAlphaLimits(modes: readonly PositionMode[]): Required<AlphaLimits> {
  const all = modes.length ? modes.map(labAlphaLimits) : [LAB_ALPHA_LIMITS];
  return { maxRelative: Math.min(...all.map((l) => l.maxRelative)), maxAbsolute: Math.min(...all.map((l) => l.maxAbsolute)) };
}

export interface ClampedAlpha {
  alpha: number;
  /** Relative strength after clamping, when the norms are known. */
  relative?: number;
  /** Why α was changed; absent when it was kept. */
  note?: string;
}

/**
 * Keep α within a sensible range: |ρ| ≤ maxRelative when the norms are known, else
 * |α| ≤ maxAbsolute. Non-finite α becomes 0. Returns a note saying what was changed.
 */
export function clampAlpha(alpha: number, vectorNorm?: number, typicalNorm?: number, limits: AlphaLimits = {}): ClampedAlpha {
  const { maxRelative = 1, maxAbsolute = 20 } = limits;
  if (!Number.isFinite(alpha)) return { alpha: 0, note: `α was ${alpha}; set to 0` };
  if (vectorNorm !== undefined && typicalNorm !== undefined && vectorNorm > 0 && typicalNorm > 0) {
    const rel = relativeAlpha(alpha, vectorNorm, typicalNorm);
    if (Math.abs(rel) <= maxRelative) return { alpha, relative: rel };
    const clampedRel = Math.sign(rel) * maxRelative;
    const a = absoluteAlpha(clampedRel, vectorNorm, typicalNorm);
    return {
      alpha: a,
      relative: clampedRel,
      note: `α ${alpha.toPrecision(3)} would add ${Math.abs(rel).toFixed(2)}× the typical residual norm; limited to ${maxRelative}× (α ${a.toPrecision(3)})`,
    };
  }
  if (Math.abs(alpha) <= maxAbsolute) return { alpha };
  const a = Math.sign(alpha) * maxAbsolute;
  return { alpha: a, note: `α ${alpha} is outside ±${maxAbsolute}; limited to ${a}` };
}

/** ‖v‖ at the steering layer and the typical residual norm there (both positive), when known. */
export interface SteeringNorms {
  vector: number;
  typical: number;
}

/**
 * α for one trait kept within the lab's sensible range for the position mode (labAlphaLimits):
 * relative to the typical residual norm at the steering layer when the norms are known, else in
 * raw α. Non-finite α becomes 0. The note names the trait and the mode.
 */
export function clampTraitAlpha(trait: string, alpha: number, norms: SteeringNorms | null, positions: PositionMode): { alpha: number; note?: string } {
  const limits = labAlphaLimits(positions);
  const c = norms ? clampAlpha(alpha, norms.vector, norms.typical, limits) : clampAlpha(alpha, undefined, undefined, limits);
  return c.note ? { alpha: Number(c.alpha.toPrecision(6)), note: `${trait}: ${c.note} (${positions} mode)` } : { alpha };
}

/**
 * The α values of `after` that changed from `before` (every one when `recheckAll`: the position
 * mode changed, and with it the limits), clamped by clampTraitAlpha. Returns the fixed map (a
 * prototype-free copy; `after` itself when nothing had to change) and the notes joined, or null.
 */
export function clampChangedAlphas(
  before: Record<string, number>,
  after: Record<string, number>,
  normsOf: (trait: string) => SteeringNorms | null,
  positions: PositionMode,
  recheckAll = false,
): { alphas: Record<string, number>; note: string | null } {
  let fixed: Record<string, number> | null = null;
  const notes: string[] = [];
  for (const [t, a] of Object.entries(after)) {
    if (!recheckAll && before[t] === a && Number.isFinite(a)) continue;
    const c = clampTraitAlpha(t, a, normsOf(t), positions);
    if (c.note) {
      fixed ??= nameRecord(after);
      fixed[t] = c.alpha;
      notes.push(c.note);
    }
  }
  return { alphas: fixed ?? after, note: notes.length ? notes.join('; ') : null };
}
