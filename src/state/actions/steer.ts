/** Steering terms and probe data from the store's vectors and sliders (pure helpers). */
import type { SteeringTerm } from '../../engine/api';
import { relativeAlpha } from '../../persona/steering';
import { int8Steering } from '../../share/quantize';
import type { LabState } from '../store';
import type { VectorEntry } from '../types';

/** Row `row` of a vector, or null when the vector does not hold it (or it is all zeros). */
export function vectorRowOf(v: VectorEntry, row: number): Float32Array | null {
  if (row < 0 || row >= v.rows) return null;
  if (v.presentRows && !v.presentRows.includes(row)) return null;
  const r = v.data.subarray(row * v.hidden, (row + 1) * v.hidden);
  for (let i = 0; i < r.length; i++) if (r[i] !== 0) return r;
  return null;
}

export function rowNorm(r: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < r.length; i++) s += r[i] * r[i];
  return Math.sqrt(s);
}

/** Traits that have a vector usable at the steering layer for the loaded model. */
export function steerableTraits(s: LabState): string[] {
  if (s.layer === null) return [];
  return s.active.filter((t) => {
    const v = s.vectors[t];
    return v && (!s.info || v.hidden === s.info.hiddenSize) && vectorRowOf(v, s.layer! + 1) !== null;
  });
}

/** Steering terms for the current sliders (α ≠ 0), at the chosen layer. */
export function steeringTerms(s: LabState, alphas: Record<string, number> = s.alphas): SteeringTerm[] {
  if (s.layer === null) return [];
  const out: SteeringTerm[] = [];
  for (const t of steerableTraits(s)) {
    const alpha = alphas[t] ?? 0;
    if (alpha === 0) continue;
    // steering precision = share-link precision, so a shared setup reproduces this reply exactly
    out.push({ layer: s.layer, vector: int8Steering(vectorRowOf(s.vectors[t], s.layer + 1)!), alpha });
  }
  return out;
}

/** ρ = α·‖v‖ / typical residual norm at the layer, when the norms are known. */
export function relativeStrength(s: LabState, trait: string, alpha: number): number | null {
  const v = s.vectors[trait];
  if (!v || s.layer === null) return null;
  const row = vectorRowOf(v, s.layer + 1);
  const typical = v.typicalNorms?.[s.layer + 1];
  if (!row || !typical || !(typical > 0)) return null;
  return relativeAlpha(alpha, rowNorm(row), typical);
}
