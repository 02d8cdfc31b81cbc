/** Vector quantisation for share links: int8 at the lab's steering precision (persona/steeringPrecision.ts), or float16. */
import { floatToHalf, halfToFloat } from '../engine/float16';
import { dequantizeInt8, quantizeInt8 } from '../persona/steeringPrecision';

export type Quant = 'int8' | 'fp16';

export interface Quantized {
  quant: Quant;
  /** int8: max|x|/127 (0 for an all-zero vector); fp16: 1. */
  scale: number;
  bytes: Uint8Array;
}

export function quantize(v: ArrayLike<number>, quant: Quant): Quantized {
  if (quant === 'int8') {
    const q = quantizeInt8(v);
    return { quant, scale: q.scale, bytes: new Uint8Array(q.steps.buffer) };
  }
  const bytes = new Uint8Array(v.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < v.length; i++) view.setUint16(i * 2, floatToHalf(v[i]), true);
  return { quant, scale: 1, bytes };
}

export function bytesPerValue(quant: Quant): number {
  return quant === 'int8' ? 1 : 2;
}

export function dequantize(bytes: Uint8Array, quant: Quant, scale: number, length: number): Float32Array {
  if (quant === 'int8') return dequantizeInt8(new Int8Array(bytes.buffer, bytes.byteOffset, length), scale);
  const out = new Float32Array(length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, length * 2);
  for (let i = 0; i < length; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
  return out;
}
