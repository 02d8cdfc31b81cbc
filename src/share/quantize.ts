/** Vector quantisation for share links: int8 with one scale per vector, or float16. */
import { fromHalf, toHalf } from './bytes';

export type Quant = 'int8' | 'fp16';

export interface Quantized {
  quant: Quant;
  /** int8: max|x|/127 (0 for an all-zero vector); fp16: 1. */
  scale: number;
  bytes: Uint8Array;
}

export function quantize(v: ArrayLike<number>, quant: Quant): Quantized {
  if (quant === 'int8') {
    let max = 0;
    for (let i = 0; i < v.length; i++) max = Math.max(max, Math.abs(v[i]));
    const scale = max > 0 ? max / 127 : 0;
    const bytes = new Uint8Array(v.length);
    const q = new Int8Array(bytes.buffer);
    for (let i = 0; i < v.length; i++) q[i] = scale > 0 ? Math.max(-127, Math.min(127, Math.round(v[i] / scale))) : 0;
    return { quant, scale: Math.fround(scale), bytes };
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
