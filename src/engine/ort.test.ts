/** float16 → float32 conversion (used for fp16 logits and residual readouts): exact for every bit pattern. */
import { describe, expect, it } from 'vitest';
import { float16ToFloat32 } from './float16';

describe('float16ToFloat32', () => {
  it('converts known values exactly', () => {
    const bits = Uint16Array.from([0x0000, 0x8000, 0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x3555, 0x7c00, 0xfc00]);
    const out = float16ToFloat32(bits);
    expect(Array.from(out)).toEqual([0, -0, 1, -2, 65504, 2 ** -24, 2 ** -14, 0.333251953125, Infinity, -Infinity]);
    expect(Number.isNaN(float16ToFloat32(Uint16Array.from([0x7e00]))[0])).toBe(true);
  });

  it('matches sign · mantissa · 2^exponent for every finite bit pattern', () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const out = float16ToFloat32(all);
    for (let h = 0; h < 65536; h++) {
      const e = (h >> 10) & 0x1f;
      if (e === 31) continue;
      // Reference: sign · mantissa · 2^exponent computed independently.
      const f = h & 0x3ff;
      const sign = h & 0x8000 ? -1 : 1;
      const expected = e === 0 ? sign * (f / 1024) * 2 ** -14 : sign * (1 + f / 1024) * 2 ** (e - 15);
      if (out[h] !== expected) throw new Error(`0x${h.toString(16)}: ${out[h]} vs ${expected}`);
    }
  });
});
