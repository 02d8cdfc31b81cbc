import { describe, it, expect } from 'vitest';
import { auroc, cohensD, mean, median, pearson, percentileRank, quantile, ranks, std, variance } from './stats';

describe('stats', () => {
  it('mean, variance, std', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(variance([2, 4, 4, 4, 5, 5, 7, 9], 0)).toBe(4);
    expect(std([2, 4, 4, 4, 5, 5, 7, 9], 0)).toBe(2);
    expect(variance([1, 2, 3, 4])).toBeCloseTo(5 / 3, 12);
    expect(mean([])).toBeNaN();
    expect(std([1])).toBeNaN();
  });

  it("Cohen's d matches a hand computation with pooled sd", () => {
    // a: mean 3, SS = 4+1+0+1+4 = 10 (n 5); b: mean 1, SS = 1+0+1 = 2 (n 3)
    // pooled sd = sqrt((10 + 2) / 6) = sqrt(2); d = 2 / sqrt(2) = sqrt(2)
    expect(cohensD([1, 2, 3, 4, 5], [0, 1, 2])).toBeCloseTo(Math.SQRT2, 12);
    expect(cohensD([0, 1, 2], [1, 2, 3, 4, 5])).toBeCloseTo(-Math.SQRT2, 12);
    expect(cohensD([1, 1], [1, 1])).toBe(0);
    expect(cohensD([2, 2], [1, 1])).toBe(Infinity);
    expect(cohensD([1], [2])).toBeNaN();
  });

  it('ranks average ties', () => {
    expect(Array.from(ranks([10, 20, 20, 5]))).toEqual([2, 3.5, 3.5, 1]);
  });

  it('AUROC: perfect, reversed, ties, and a hand-counted mix', () => {
    expect(auroc([3, 4, 5], [0, 1, 2])).toBe(1);
    expect(auroc([0, 1], [2, 3])).toBe(0);
    expect(auroc([1, 1], [1, 1])).toBe(0.5);
    // pos [1,3,5], neg [2,3,4]: pairs (p>n)=1: 3>2; 5>2,5>3,5>4 → 4 wins, 1 tie (3=3) → (4 + 0.5)/9
    expect(auroc([1, 3, 5], [2, 3, 4])).toBeCloseTo(4.5 / 9, 12);
    expect(auroc([], [1])).toBeNaN();
  });

  it('AUROC equals the brute-force pair count on random data with ties', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pos = Array.from({ length: 40 }, () => Math.round(rnd() * 10));
    const neg = Array.from({ length: 30 }, () => Math.round(rnd() * 8));
    let s = 0;
    for (const p of pos) for (const n of neg) s += p > n ? 1 : p === n ? 0.5 : 0;
    expect(auroc(pos, neg)).toBeCloseTo(s / (40 * 30), 12);
  });

  it('Pearson r', () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    // x=[1,2,3,4], y=[1,3,2,4]: sxy = 4, sxx = syy = 5 → 0.8
    expect(pearson([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(0.8, 12);
    expect(pearson([1, 1], [1, 2])).toBeNaN();
  });

  it('percentile rank and quantiles', () => {
    expect(percentileRank([1, 2, 3, 4], 3)).toBe(62.5);
    expect(percentileRank([1, 2, 3, 4], 10)).toBe(100);
    expect(percentileRank([1, 2, 3, 4], 0)).toBe(0);
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.95)).toBeCloseTo(4.8, 12);
    expect(quantile([7], 0.3)).toBe(7);
    expect(median([3, 1, 2])).toBe(2);
    expect(() => quantile([1], 1.5)).toThrow(/within \[0, 1\]/);
  });
});
