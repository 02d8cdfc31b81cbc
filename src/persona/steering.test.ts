import { describe, it, expect } from 'vitest';
import { absoluteAlpha, clampAlpha, relativeAlpha, typicalResidualNorm } from './steering';

describe('steering strength', () => {
  it('converts between absolute α and relative strength', () => {
    expect(relativeAlpha(2, 3, 12)).toBe(0.5);
    expect(absoluteAlpha(0.5, 3, 12)).toBe(2);
    expect(absoluteAlpha(relativeAlpha(-1.7, 2.5, 40), 2.5, 40)).toBeCloseTo(-1.7, 12);
    expect(() => relativeAlpha(1, 1, 0)).toThrow(/typical residual norm/);
    expect(() => absoluteAlpha(1, 0, 1)).toThrow(/vector norm/);
  });

  it('typical norm is the median token norm, skipping the first token', () => {
    // tokens: [100,0] (sink), [3,4], [0,1], [6,8] → norms 100, 5, 1, 10 → median of 5, 1, 10 = 5
    const slice = new Float32Array([100, 0, 3, 4, 0, 1, 6, 8]);
    expect(typicalResidualNorm(slice, 2)).toBe(5);
    expect(typicalResidualNorm(slice, 2, false)).toBe(7.5);
  });

  it('clamps α and says why', () => {
    expect(clampAlpha(2, 3, 12)).toEqual({ alpha: 2, relative: 0.5 });
    const c = clampAlpha(-8, 3, 12);
    expect(c.alpha).toBe(-4);
    expect(c.relative).toBe(-1);
    expect(c.note).toMatch(/2\.00× the typical residual norm; limited to 1×/);
    expect(clampAlpha(30).alpha).toBe(20);
    expect(clampAlpha(30).note).toMatch(/outside ±20/);
    expect(clampAlpha(NaN)).toEqual({ alpha: 0, note: 'α was NaN; set to 0' });
    expect(clampAlpha(5, 1, 1, { maxRelative: 10 })).toEqual({ alpha: 5, relative: 5 });
  });
});
