/**
 * The α clamp, a store middleware (store.ts): α values that enter the store (a slider, a preset,
 * a share link, a restored or imported lab) are clamped to the sensible range for the position
 * mode, and a change of position mode clamps every α to the new mode's range, with `alphaNote`
 * saying what changed. A write that changes α without clamping clears the note. The range and
 * the clamping are the persona layer's (persona/steering.ts); this file only reads the norms
 * from the store's vectors.
 */
import type { PositionMode } from '../engine/steering';
import { clampChangedAlphas, clampTraitAlpha, type SteeringNorms } from '../persona/steering';
import { norm } from '../persona/vectorMath';
import { typicalNormAt, vectorRowAt } from './actions/steer';
import type { SteeringSlice } from './steeringSlice';
import type { Preset, VectorEntry } from './types';
import type { VectorsSlice } from './vectorsSlice';
import { writeRule } from './writeRule';

/** ‖row at the layer‖ and the typical residual norm there, when both are known and positive. */
function steeringNorms(vectors: Record<string, VectorEntry>, layer: number | null): (trait: string) => SteeringNorms | null {
  return (trait) => {
    const v = vectors[trait];
    if (!v || layer === null) return null;
    const typical = typicalNormAt(v, layer);
    const row = vectorRowAt(v, layer);
    return row && typical && typical > 0 ? { vector: norm(row), typical } : null;
  };
}

/** clampChangedAlphas with the norms of the store's vectors at the steering layer. */
export function clampEnteringAlphas(
  before: Record<string, number>,
  after: Record<string, number>,
  vectors: Record<string, VectorEntry>,
  layer: number | null,
  positions: PositionMode,
  recheckAll = false,
): { alphas: Record<string, number>; note: string | null } {
  return clampChangedAlphas(before, after, steeringNorms(vectors, layer), positions, recheckAll);
}

type AlphaState = Pick<SteeringSlice, 'alphas' | 'alphaNote' | 'layer' | 'positions'> & Pick<VectorsSlice, 'vectors'>;

/** The write rule: the patch with its α values clamped and `alphaNote` set or cleared. */
export function clampAlphaWrite<T extends AlphaState>(s: T, patch: Partial<T>): Partial<T> {
  const positions = patch.positions ?? s.positions;
  const modeChanged = positions !== s.positions;
  if (!modeChanged && (!patch.alphas || patch.alphas === s.alphas)) return patch;
  const alphas = patch.alphas ?? s.alphas;
  const c = clampEnteringAlphas(s.alphas, alphas, patch.vectors ?? s.vectors, patch.layer !== undefined ? patch.layer : s.layer, positions, modeChanged);
  if (c.note) return { ...patch, alphas: c.alphas, alphaNote: c.note };
  if (!patch.alphas) return patch;
  return 'alphaNote' in patch || s.alphaNote === null ? patch : { ...patch, alphaNote: null };
}

/** The α clamp as a zustand middleware. */
export const alphaClamp = <T extends AlphaState>() => writeRule<T>(clampAlphaWrite);

/**
 * A preset's α values kept within the lab's sensible range for its position mode, relative to the
 * typical residual norm it carries when known (clampTraitAlpha). Returns the preset (the same
 * object when nothing changed) and one note per clamped trait.
 */
export function clampPresetAlphas(p: Preset): { preset: Preset; notes: string[] } {
  const notes: string[] = [];
  const traits = p.traits.map((t) => {
    const n = norm(t.vector);
    const c = clampTraitAlpha(t.name, t.alpha, t.typicalNorm && n > 0 ? { vector: n, typical: t.typicalNorm } : null, p.positions);
    if (!c.note) return t;
    notes.push(`preset "${p.name}", ${c.note}`);
    return { ...t, alpha: c.alpha };
  });
  return notes.length ? { preset: { ...p, traits }, notes } : { preset: p, notes };
}
