import { describe, it, expect } from 'vitest';
import { cheapProjectionDifference, parseScreenJsonl, projectionDifference, rankProjectionDifferences } from './screen';

describe('screen', () => {
  it('ΔP = (a − a′)·v̂', () => {
    expect(projectionDifference([3, 1], [1, 5], [2, 0])).toBe(2);
    expect(projectionDifference([0, 3], [0, 0], [3, 4])).toBeCloseTo(12 / 5, 6);
    expect(cheapProjectionDifference([1, 1], [1, 0], [0, 1])).toBe(1);
    expect(() => projectionDifference([1], [1, 2], [1, 2])).toThrow(/differ in length/);
  });

  it('ranks, and flags above the 95th percentile', () => {
    const deltas = Array.from({ length: 100 }, (_, i) => i); // 0..99
    deltas[10] = NaN;
    const s = rankProjectionDifferences(deltas);
    const finite = deltas.filter((d) => !Number.isNaN(d));
    // numpy-style quantile over 99 finite values at 0.95: index 93.1 → between 94 and 95
    expect(s.threshold).toBeCloseTo(finite[93] + 0.1 * (finite[94] - finite[93]), 10);
    expect(s.flagged.filter(Boolean)).toHaveLength(5);
    expect(s.flagged[99] && s.flagged[95] && !s.flagged[94]).toBe(true);
    expect(s.flagged[10]).toBe(false);
    expect(s.percentiles[10]).toBeNaN();
    expect(s.order[0]).toBe(99);
    expect(s.order).toHaveLength(99);
    expect(s.percentiles[0]).toBeCloseTo((0.5 / 99) * 100, 10);
  });

  it('parses JSONL, keeps good lines and reports broken ones by number', () => {
    const text = [
      '{"prompt": "hi", "response": "hello"}',
      '',
      '{"prompt": "x"}',
      'not json',
      '[1,2]',
      '{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}',
      '{"messages": [{"role": "user", "content": "q"}]}',
      '{"prompt": 1, "response": 2}',
      '{"prompt": "p", "response": ""}\r',
    ].join('\n');
    const r = parseScreenJsonl(text);
    expect(r.samples).toEqual([
      { prompt: 'hi', response: 'hello', line: 1 },
      { prompt: 'q', response: 'a', line: 6 },
      { prompt: 'p', response: '', line: 9 },
    ]);
    expect(r.errors.map((e) => e.line)).toEqual([3, 4, 5, 7, 8]);
    expect(r.errors[0].message).toMatch(/"response" is missing/);
    expect(r.errors[1].message).toMatch(/not valid JSON/);
    expect(r.errors[4].message).toMatch(/"prompt" and "response" are missing/);
    expect(parseScreenJsonl('x\ny\nz', 2).errors).toHaveLength(2);
  });
});
