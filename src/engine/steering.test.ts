import { describe, expect, it } from 'vitest';
import { EngineError } from './errors';
import { steerPositions, steerTensor } from './steering';

describe('steerTensor', () => {
  it('adds α·v per row and layer, summing terms on one layer', () => {
    const v = new Float32Array([1, 2]);
    const t = steerTensor(
      [
        null,
        [
          { layer: 1, vector: v, alpha: 2 },
          { layer: 1, vector: v, alpha: -0.5 },
        ],
      ],
      2,
      2,
    );
    expect(Array.from(t)).toEqual([0, 0, 0, 0, 0, 0, 1.5, 3]);
  });

  it.each([
    ['a layer outside the model', { layer: 2, vector: new Float32Array(2), alpha: 1 }, 'outside 0..1'],
    ['a vector for another width', { layer: 0, vector: new Float32Array(3), alpha: 1 }, 'hidden size is 2'],
    ['an infinite α', { layer: 0, vector: new Float32Array(2), alpha: Infinity }, 'α is Infinity'],
    ['a NaN in the vector', { layer: 0, vector: new Float32Array([0, NaN]), alpha: 1 }, 'value 1 is NaN'],
  ])('refuses %s with a bad_input EngineError', (_, term, message) => {
    let error: unknown;
    try {
      steerTensor([[term]], 2, 2);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('bad_input');
    expect((error as EngineError).message).toContain(message);
  });
});

describe('steerPositions', () => {
  it('steers every position (all), the prefill only (prompt), or the newest position (response)', () => {
    expect(Array.from(steerPositions('all', 1, 3, false))).toEqual([1, 1, 1]);
    expect(Array.from(steerPositions('prompt', 1, 3, true))).toEqual([1, 1, 1]);
    expect(Array.from(steerPositions('prompt', 1, 1, false))).toEqual([0]);
    expect(Array.from(steerPositions('response', 2, 3, true))).toEqual([0, 0, 1, 0, 0, 1]);
  });
});
