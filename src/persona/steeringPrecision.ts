/**
 * The lab's steering precision: every vector row the lab steers with is rounded to int8 with one
 * power-of-two scale per row — the precision a share link carries (share/quantize.ts encodes with
 * these functions) — so a reply made in the lab and one made from a share link of the same setup
 * are identical.
 */

/**
 * The int8 scale for a vector: the smallest power of two s with 127·s ≥ max|v| (0 for an all-zero
 * or non-finite vector). A power of two makes k·s exact in float32, so rounding a rounded vector
 * gives it back bit for bit (atSteeringPrecision is idempotent).
 */
export function int8Scale(maxAbs: number): number {
  if (!(maxAbs > 0) || !Number.isFinite(maxAbs)) return 0;
  let e = Math.ceil(Math.log2(maxAbs / 127));
  while (2 ** e * 127 < maxAbs) e++;
  while (2 ** (e - 1) * 127 >= maxAbs) e--;
  return 2 ** e;
}

/** v as int8 steps of one power-of-two scale (int8Scale), each clamped to ±127. */
export function quantizeInt8(v: ArrayLike<number>): { scale: number; steps: Int8Array } {
  let max = 0;
  for (let i = 0; i < v.length; i++) max = Math.max(max, Math.abs(v[i]));
  const scale = int8Scale(max);
  const steps = new Int8Array(v.length);
  for (let i = 0; i < v.length; i++) steps[i] = scale > 0 ? Math.max(-127, Math.min(127, Math.round(v[i] / scale))) : 0;
  return { scale, steps };
}

/** int8 steps back to float32: steps[i]·scale. */
export function dequantizeInt8(steps: Int8Array, scale: number): Float32Array {
  const out = new Float32Array(steps.length);
  for (let i = 0; i < steps.length; i++) out[i] = steps[i] * scale;
  return out;
}

/** A vector row at the lab's steering precision. Idempotent: atSteeringPrecision(atSteeringPrecision(v)) equals atSteeringPrecision(v). */
export function atSteeringPrecision(v: ArrayLike<number>): Float32Array {
  const q = quantizeInt8(v);
  return dequantizeInt8(q.steps, q.scale);
}
