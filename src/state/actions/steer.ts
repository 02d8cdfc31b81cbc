/** Steering terms and probe data from the store's vectors and sliders (pure helpers; no store import). */
import type { SteeringTerm } from '../../engine/api';
import { rowOfLayer } from '../../engine/hooks';
import { relativeAlpha } from '../../persona/steering';
import { atSteeringPrecision } from '../../persona/steeringPrecision';
import { norm } from '../../persona/vectorMath';
import type { ModelSlice } from '../modelSlice';
import type { SteeringSlice } from '../steeringSlice';
import type { VectorEntry } from '../types';
import type { VectorsSlice } from '../vectorsSlice';

/** What these helpers read of the store. */
export type SteeringView = Pick<SteeringSlice, 'layer' | 'active' | 'alphas'> & Pick<VectorsSlice, 'vectors'> & Pick<ModelSlice, 'info'>;

/** The vector's row at block `layer` (row rowOfLayer(layer)), or null when the vector does not hold it (or it is all zeros). */
export function vectorRowAt(v: VectorEntry, layer: number): Float32Array | null {
  const row = rowOfLayer(layer);
  if (row < 0 || row >= v.rows) return null;
  if (v.presentRows && !v.presentRows.includes(row)) return null;
  const r = v.data.subarray(row * v.hidden, (row + 1) * v.hidden);
  for (let i = 0; i < r.length; i++) if (r[i] !== 0) return r;
  return null;
}

/** The typical residual norm at block `layer` the vector was extracted with, when known. */
export function typicalNormAt(v: VectorEntry, layer: number): number | undefined {
  return v.typicalNorms?.[rowOfLayer(layer)];
}

/** Traits that have a vector usable at the steering layer for the loaded model. */
export function steerableTraits(s: Pick<SteeringView, 'layer' | 'active' | 'vectors' | 'info'>): string[] {
  const layer = s.layer;
  if (layer === null) return [];
  return s.active.filter((t) => {
    const v = s.vectors[t];
    return v && (!s.info || v.hidden === s.info.hiddenSize) && vectorRowAt(v, layer) !== null;
  });
}

/** Steering terms for the current sliders (α ≠ 0), at the chosen layer, at the lab's steering precision. */
export function steeringTerms(s: SteeringView, alphas: Record<string, number> = s.alphas): SteeringTerm[] {
  if (s.layer === null) return [];
  const out: SteeringTerm[] = [];
  for (const t of steerableTraits(s)) {
    const alpha = alphas[t] ?? 0;
    if (alpha === 0) continue;
    out.push({ layer: s.layer, vector: atSteeringPrecision(vectorRowAt(s.vectors[t], s.layer)!), alpha });
  }
  return out;
}

/** ρ = α·‖v‖ / typical residual norm at the layer, when the norms are known. */
export function relativeStrength(s: Pick<SteeringView, 'layer' | 'vectors'>, trait: string, alpha: number): number | null {
  const v = s.vectors[trait];
  if (!v || s.layer === null) return null;
  const row = vectorRowAt(v, s.layer);
  const typical = typicalNormAt(v, s.layer);
  if (!row || !typical || !(typical > 0)) return null;
  return relativeAlpha(alpha, norm(row), typical);
}
