/** Numeric comparison helpers for tests: relative errors with the scale stated. */

/** max |a - b| over all elements. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** max |a - b| / max |b|: the error relative to the reference's largest magnitude. */
export function relError(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  return maxAbsDiff(a, ref) / Math.max(maxAbs(ref), 1e-30);
}

/** The index of the largest value: the engine's greedy pick. */
export { argmax as argmaxOf } from '../sampling';

export function flat(rows: ArrayLike<number>[]): Float64Array {
  const n = rows.reduce((s, r) => s + r.length, 0);
  const out = new Float64Array(n);
  let pos = 0;
  for (const r of rows) {
    for (let i = 0; i < r.length; i++) out[pos + i] = r[i];
    pos += r.length;
  }
  return out;
}
