/** The vector arithmetic every layer above the engine uses: dot product, L2 norm, unit vector. */

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`dot product of lengths ${a.length} and ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/** v/‖v‖ as float32; throws for a zero vector (projection onto it is undefined). */
export function unit(v: ArrayLike<number>): Float32Array {
  const n = norm(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`cannot project onto a vector of norm ${n}; is this layer's vector empty?`);
  return Float32Array.from(v as ArrayLike<number>, (x) => x / n);
}

/** v/‖v‖ as float32, or zeros for a zero vector (a probe that reads 0 rather than an error). */
export function unitOrZero(v: ArrayLike<number>): Float32Array {
  const n = norm(v);
  return n > 0 ? Float32Array.from(v as ArrayLike<number>, (x) => x / n) : new Float32Array(v.length);
}
