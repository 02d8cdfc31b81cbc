import { describe, it, expect } from 'vitest';
import { makeCapture, readouts, ReadoutAccumulator, RunningMean, personaVectorFrom, captureAt } from './extract';
import { vectorRow } from './personaVector';

/** Synthetic capture [rows=2, T=4, hidden=2]: value = 100·row + 10·token + dim. */
function synthetic(offset = 0) {
  const rows = 2,
    T = 4,
    H = 2;
  const data = new Float32Array(rows * T * H);
  for (let r = 0; r < rows; r++) for (let t = 0; t < T; t++) for (let h = 0; h < H; h++) data[(r * T + t) * H + h] = 100 * r + 10 * t + h + offset;
  return makeCapture(data, rows, T, H);
}

describe('extract', () => {
  it('computes the three readouts from a synthetic capture', () => {
    const c = synthetic();
    expect(Array.from(captureAt(c, 1, 2))).toEqual([120, 121]);
    const r = readouts(c, 2); // prompt tokens 0,1; response 2,3
    expect(Array.from(r.prompt_avg)).toEqual([5, 6, 105, 106]);
    expect(Array.from(r.response_avg)).toEqual([25, 26, 125, 126]);
    expect(Array.from(r.prompt_last)).toEqual([10, 11, 110, 111]);
    const r2 = readouts(c, 2, [2, 3]); // drop the last token
    expect(Array.from(r2.response_avg)).toEqual([20, 21, 120, 121]);
  });

  it('refuses impossible ranges', () => {
    const c = synthetic();
    expect(() => readouts(c, 4)).toThrow(/response range \[4, 4\)/);
    expect(() => readouts(c, 0)).toThrow(/prompt length 0/);
    expect(() => readouts(c, 2, [1, 3])).toThrow(/response range/);
    expect(() => makeCapture(new Float32Array(3), 1, 2, 2)).toThrow(/needs 4/);
  });

  it('running means equal the batch mean and support weights', () => {
    const m = new RunningMean(2);
    m.add([1, 2]);
    m.add([3, 6]);
    m.add([5, 1]);
    expect(Array.from(m.mean())).toEqual([3, 3]);
    m.add([0, 0], 3);
    expect(Array.from(m.mean())).toEqual([1.5, 1.5]);
    expect(() => m.add([1])).toThrow(/length 2/);
  });

  it('vector = mean(pos) − mean(neg) per row and readout', () => {
    const pos = new ReadoutAccumulator(2, 2),
      neg = new ReadoutAccumulator(2, 2);
    pos.addCapture(synthetic(1), 2);
    pos.addCapture(synthetic(3), 2); // pos mean offset 2
    neg.addCapture(synthetic(-1), 2); // neg offset -1
    const v = personaVectorFrom(pos, neg, 'response_avg', { trait: 'evil' });
    expect(v.rows).toBe(2);
    expect(Array.from(v.data)).toEqual([3, 3, 3, 3]);
    expect(v.meta).toEqual({ trait: 'evil', readout: 'response_avg' });
    // different readouts differ when the sides differ by token position
    const p2 = new ReadoutAccumulator(2, 2),
      n2 = new ReadoutAccumulator(2, 2);
    p2.addCapture(synthetic(), 3);
    n2.addCapture(synthetic(), 1);
    expect(Array.from(vectorRow(personaVectorFrom(p2, n2, 'prompt_last'), 0))).toEqual([20, 20]);
    expect(Array.from(vectorRow(personaVectorFrom(p2, n2, 'response_avg'), 1))).toEqual([10, 10]);
    expect(() => personaVectorFrom(new ReadoutAccumulator(2, 2), neg)).toThrow(/0 positive and 1 negative/);
  });
});
