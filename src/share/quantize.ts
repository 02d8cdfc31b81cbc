/** Vector quantisation for share links: int8 with one power-of-two scale per vector, or float16. */
import { fromHalf, toHalf } from './bytes';

export type Quant = 'int8' | 'fp16';

export interface Quantized {
  quant: Quant;
  /** int8: max|x|/127 (0 for an all-zero vector); fp16: 1. */
  scale: number;
  bytes: Uint8Array;
}

/**
 * The int8 scale for a vector: the smallest power of two s with 127·s ≥ max|v|. A power of two
 * makes k·s exact in float32, so quantising a dequantised vector gives it back bit for bit
 * (int8Steering below is idempotent) — what lets a share link reproduce a reply exactly.
 */
export function int8Scale(maxAbs: number): number {
  if (!(maxAbs > 0) || !Number.isFinite(maxAbs)) return 0;
  let e = Math.ceil(Math.log2(maxAbs / 127));
  while (2 ** e * 127 < maxAbs) e++;
  while (2 ** (e - 1) * 127 >= maxAbs) e--;
  return 2 ** e;
}

export function quantize(v: ArrayLike<number>, quant: Quant): Quantized {
  if (quant === 'int8') {
    let max = 0;
    for (let i = 0; i < v.length; i++) max = Math.max(max, Math.abs(v[i]));
    const scale = int8Scale(max);
    const bytes = new Uint8Array(v.length);
    const q = new Int8Array(bytes.buffer);
    for (let i = 0; i < v.length; i++) q[i] = scale > 0 ? Math.max(-127, Math.min(127, Math.round(v[i] / scale))) : 0;
    return { quant, scale, bytes };
  }
  const bytes = new Uint8Array(v.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < v.length; i++) view.setUint16(i * 2, toHalf(v[i]), true);
  return { quant, scale: 1, bytes };
}

export function bytesPerValue(quant: Quant): number {
  return quant === 'int8' ? 1 : 2;
}

export function dequantize(bytes: Uint8Array, quant: Quant, scale: number, length: number): Float32Array {
  const out = new Float32Array(length);
  if (quant === 'int8') {
    const q = new Int8Array(bytes.buffer, bytes.byteOffset, length);
    for (let i = 0; i < length; i++) out[i] = q[i] * scale;
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, length * 2);
    for (let i = 0; i < length; i++) out[i] = fromHalf(view.getUint16(i * 2, true));
  }
  return out;
}

/**
 * The steering precision of the lab: a vector row as a share link carries it (int8, power-of-two
 * scale). The lab always steers with this, so a reply made here and one made from a share link of
 * the same setup are identical. Idempotent: int8Steering(int8Steering(v)) equals int8Steering(v).
 */
export function int8Steering(v: ArrayLike<number>): Float32Array {
  const q = quantize(v, 'int8');
  return dequantize(q.bytes, 'int8', q.scale, v.length);
}
