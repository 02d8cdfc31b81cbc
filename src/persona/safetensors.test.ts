import { describe, it, expect } from 'vitest';
import { halfToFloat as f16ToF32 } from '../engine/float16';
import { readSafetensors, writeSafetensors } from './safetensors';

/** Build a safetensors file by hand, with raw data bytes, independent of writeSafetensors. */
function rawFile(header: unknown, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('safetensors', () => {
  it('round-trips F32 tensors and metadata bit-exactly', () => {
    const a = new Float32Array([1.5, -2, 3.25, Math.fround(0.1), -0, 1e-40]);
    const b = new Float32Array([7]);
    const bytes = writeSafetensors({ a: { shape: [2, 3], data: a }, b: { shape: [1], data: b } }, { model: 'm', trait: 'evil' });
    const f = readSafetensors(bytes);
    expect(f.metadata).toEqual({ model: 'm', trait: 'evil' });
    expect(f.tensors.a.shape).toEqual([2, 3]);
    expect(f.tensors.a.dtype).toBe('F32');
    expect(new Uint32Array(f.tensors.a.data.buffer)).toEqual(new Uint32Array(a.buffer));
    expect(Array.from(f.tensors.b.data)).toEqual([7]);
  });

  it('writes the documented layout: u64 header length, padded JSON, little-endian data', () => {
    const bytes = writeSafetensors({ x: { shape: [2], data: new Float32Array([1, 2]) } });
    const view = new DataView(bytes.buffer);
    const n = Number(view.getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header).toEqual({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } });
    expect(view.getFloat32(8 + n, true)).toBe(1);
    expect(view.getFloat32(12 + n, true)).toBe(2);
    expect(bytes.length).toBe(8 + n + 8);
  });

  it('reads F16, BF16 and F64', () => {
    const d = new Uint8Array(2 * 3 + 2 * 2 + 8 * 2);
    const v = new DataView(d.buffer);
    // F16: 1.0 = 0x3c00, -2.0 = 0xc000, 65504 = 0x7bff
    v.setUint16(0, 0x3c00, true);
    v.setUint16(2, 0xc000, true);
    v.setUint16(4, 0x7bff, true);
    // BF16: 1.0 = 0x3f80, -0.5 = 0xbf00
    v.setUint16(6, 0x3f80, true);
    v.setUint16(8, 0xbf00, true);
    v.setFloat64(10, 0.25, true);
    v.setFloat64(18, -1e10, true);
    const f = readSafetensors(
      rawFile(
        {
          h: { dtype: 'F16', shape: [3], data_offsets: [0, 6] },
          b: { dtype: 'BF16', shape: [2], data_offsets: [6, 10] },
          d: { dtype: 'F64', shape: [2], data_offsets: [10, 26] },
        },
        d,
      ),
    );
    expect(Array.from(f.tensors.h.data)).toEqual([1, -2, 65504]);
    expect(Array.from(f.tensors.b.data)).toEqual([1, -0.5]);
    expect(Array.from(f.tensors.d.data)).toEqual([0.25, -1e10]);
    expect(f.tensors.h.dtype).toBe('F16');
  });

  it('converts half-precision special values', () => {
    expect(f16ToF32(0x0001)).toBe(2 ** -24); // smallest subnormal
    expect(f16ToF32(0x7c00)).toBe(Infinity);
    expect(f16ToF32(0xfc00)).toBe(-Infinity);
    expect(f16ToF32(0x7e00)).toBeNaN();
    expect(f16ToF32(0x3555)).toBeCloseTo(0.33325, 5);
  });

  it('reads a file whose header is not padded and whose offset is not at 0', () => {
    const d = new Uint8Array(12);
    new DataView(d.buffer).setFloat32(8, 42, true);
    const f = readSafetensors(rawFile({ x: { dtype: 'F32', shape: [], data_offsets: [8, 12] } }, d));
    expect(f.tensors.x.shape).toEqual([]);
    expect(Array.from(f.tensors.x.data)).toEqual([42]);
  });

  it('refuses broken files with messages that say what is wrong', () => {
    expect(() => readSafetensors(new Uint8Array(3))).toThrow(/shorter than the 8-byte header/);
    const big = new Uint8Array(16);
    new DataView(big.buffer).setBigUint64(0, 1000n, true);
    expect(() => readSafetensors(big)).toThrow(/truncated/);
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 62n, true);
    expect(() => readSafetensors(huge)).toThrow(/implausibly large/);
    const notJson = new Uint8Array(12);
    new DataView(notJson.buffer).setBigUint64(0, 4n, true);
    notJson.set([0x7b, 0x7b, 0x7b, 0x7b], 8);
    expect(() => readSafetensors(notJson)).toThrow(/not valid UTF-8 JSON/);
    expect(() => readSafetensors(rawFile([1, 2], new Uint8Array()))).toThrow(/JSON object/);
    expect(() => readSafetensors(rawFile({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(4)))).toThrow(
      /outside the 4-byte data section/,
    );
    expect(() => readSafetensors(rawFile({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)))).toThrow(
      /needs 12 bytes but data_offsets span 8/,
    );
    expect(() => readSafetensors(rawFile({ x: { dtype: 'I8', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)))).toThrow(/dtype "I8" is not supported/);
    expect(() => readSafetensors(rawFile({ x: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)))).toThrow(/shape must be/);
    expect(() => readSafetensors(rawFile({ __metadata__: { a: 1 } }, new Uint8Array()))).toThrow(/must be a string/);
  });

  it('refuses to write inconsistent tensors', () => {
    expect(() => writeSafetensors({ x: { shape: [2, 2], data: new Float32Array(3) } })).toThrow(/holds 4 values but data has 3/);
    expect(() => writeSafetensors({ __metadata__: { shape: [1], data: new Float32Array(1) } })).toThrow(/reserved/);
  });
});
