import { describe, it, expect } from 'vitest';
import { buildScoreTokenMap, judgeScoreFromLogits, judgeScoreFromTopLogprobs, parseScoreToken } from './judgeScore';

describe('judgeScore', () => {
  it('recognises integer tokens 0–100 only', () => {
    expect(parseScoreToken(' 42')).toBe(42);
    expect(parseScoreToken('100')).toBe(100);
    expect(parseScoreToken('0')).toBe(0);
    for (const t of ['101', '-1', '4.5', 'REFUSAL', '', '1e2', '0x1']) expect(parseScoreToken(t)).toBeNull();
    const m = buildScoreTokenMap([
      [0, 'a'],
      [1, '7'],
      [2, ' 7'],
      [3, '250'],
    ]);
    expect([...m]).toEqual([
      [1, 7],
      [2, 7],
    ]);
  });

  it('weights integers by the full softmax distribution', () => {
    // vocab: 0 "REFUSAL", 1 "0", 2 "50", 3 "100", 4 " 50"
    const map = new Map([
      [1, 0],
      [2, 50],
      [3, 100],
      [4, 50],
    ]);
    // probabilities proportional to exp(logit): choose logits giving p = [0.1, 0.2, 0.3, 0.2, 0.2]
    const p = [0.1, 0.2, 0.3, 0.2, 0.2];
    const logits = Float32Array.from(p, (x) => Math.log(x) + 3);
    const r = judgeScoreFromLogits(logits, map);
    expect(r.mass).toBeCloseTo(0.9, 6);
    // Σ k p = 0·0.2 + 50·0.3 + 100·0.2 + 50·0.2 = 45 → 45 / 0.9 = 50
    expect(r.score).toBeCloseTo(50, 5);
  });

  it('gives no score when less than a quarter of the mass is on integers', () => {
    const map = new Map([[1, 80]]);
    const logits = Float32Array.from([0.8, 0.2], (x) => Math.log(x));
    expect(judgeScoreFromLogits(logits, map)).toEqual({ score: null, mass: expect.closeTo(0.2, 6) });
    expect(judgeScoreFromLogits(logits, map, 0.1).score).toBeCloseTo(80, 5);
    expect(() => judgeScoreFromLogits(logits, new Map([[5, 1]]))).toThrow(/outside the vocabulary/);
  });

  it('scores top-20 logprobs, summing tokens that mean the same integer', () => {
    const r = judgeScoreFromTopLogprobs([
      { token: '90', logprob: Math.log(0.5) },
      { token: ' 90', logprob: Math.log(0.1) },
      { token: '60', logprob: Math.log(0.2) },
      { token: 'REF', logprob: Math.log(0.15) },
    ]);
    expect(r.mass).toBeCloseTo(0.8, 12);
    expect(r.score).toBeCloseTo((90 * 0.6 + 60 * 0.2) / 0.8, 10);
    expect(judgeScoreFromTopLogprobs([{ token: 'REFUSAL', logprob: 0 }]).score).toBeNull();
  });
});
