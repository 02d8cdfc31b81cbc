/**
 * Projections onto a persona vector (docs/ARCHITECTURE.md §4 "Monitoring"): the scalar projection
 * a·v/‖v‖, per token for a [T, hidden] slice of one layer, and at the last prompt token.
 */
import { captureAt, captureRow, type Capture } from './extract';
import { dot, norm, unit } from './vectorMath';

/** Scalar projection a·v/‖v‖. */
export function scalarProjection(a: ArrayLike<number>, v: ArrayLike<number>): number {
  const n = norm(v);
  if (!(n > 0)) throw new Error(`cannot project onto a vector of norm ${n}; is this layer's vector empty?`);
  return dot(a, v) / n;
}

/** Per-token scalar projections of a row-major [T, hidden] slice onto v (length hidden). */
export function projectTokens(slice: Float32Array, v: ArrayLike<number>): Float32Array {
  const h = v.length;
  if (slice.length % h !== 0) throw new Error(`slice of ${slice.length} values is not [T, ${h}]`);
  const u = unit(v);
  const t = slice.length / h;
  const out = new Float32Array(t);
  for (let i = 0; i < t; i++) {
    let s = 0;
    for (let k = 0; k < h; k++) s += slice[i * h + k] * u[k];
    out[i] = s;
  }
  return out;
}

/** Per-token projections of one capture row onto v. */
export function projectCaptureRow(c: Capture, row: number, v: ArrayLike<number>): Float32Array {
  return projectTokens(captureRow(c, row), v);
}

/** Projection of the last prompt token's activation at `row` (the paper's monitoring signal). */
export function lastPromptTokenProjection(c: Capture, row: number, promptLength: number, v: ArrayLike<number>): number {
  return scalarProjection(captureAt(c, row, promptLength - 1), v);
}
