import { describe, it, expect } from 'vitest';
import { scalarProjection, projectTokens, lastPromptTokenProjection, projectCaptureRow } from './project';
import { norm, unit } from './vectorMath';
import { makeCapture } from './extract';

describe('project', () => {
  it('scalar projection a·v/‖v‖ does not depend on ‖v‖', () => {
    expect(scalarProjection([3, 4], [1, 0])).toBe(3);
    expect(scalarProjection([3, 4], [0, 10])).toBe(4);
    expect(scalarProjection([1, 1], [3, 4])).toBeCloseTo(7 / 5, 12);
    expect(norm([3, 4])).toBe(5);
    expect(() => scalarProjection([1], [0])).toThrow(/norm 0/);
    expect(() => unit([0, 0])).toThrow(/norm 0/);
  });

  it('per-token projections of a [T, hidden] slice', () => {
    const slice = new Float32Array([1, 0, 0, 2, 3, 4]);
    expect(Array.from(projectTokens(slice, [0, 5]))).toEqual([0, 2, 4]);
    expect(() => projectTokens(new Float32Array(5), [1, 1])).toThrow(/not \[T, 2\]/);
  });

  it('projects capture rows and the last prompt token', () => {
    // rows=2, T=3, hidden=2; row 1 token t = [t, -t]
    const c = makeCapture(new Float32Array([9, 9, 9, 9, 9, 9, 0, 0, 1, -1, 2, -2]), 2, 3, 2);
    expect(Array.from(projectCaptureRow(c, 1, [1, -1]))).toEqual([0, Math.fround(Math.SQRT2), Math.fround(2 * Math.SQRT2)]);
    expect(lastPromptTokenProjection(c, 1, 2, [2, 0])).toBe(1);
  });
});
