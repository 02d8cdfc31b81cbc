import { describe, it, expect } from 'vitest';
import { filterRollouts, type JudgedRollout } from './filter';

const r = (question: number, instruction: number, sample: number, trait: number | null, coherence: number | null): JudgedRollout => ({
  question,
  instruction,
  sample,
  trait,
  coherence,
});

describe('filterRollouts', () => {
  const pos = [r(0, 0, 0, 90, 80), r(0, 0, 1, 40, 80), r(0, 1, 0, 70, 40), r(1, 0, 0, 50, 50), r(2, 0, 0, 99, 99), r(3, 0, 0, null, 90)];
  const neg = [r(0, 0, 0, 10, 90), r(0, 0, 1, 10, 90), r(0, 1, 0, 5, 90), r(1, 0, 0, 49.9, 50), r(2, 0, 0, 50, 80), r(3, 0, 0, 0, 90), r(9, 0, 0, 0, 90)];

  it('keeps pairs that pass all four thresholds (boundaries inclusive/exclusive as in the paper)', () => {
    const f = filterRollouts(pos, neg);
    expect(f.kept.map((k) => [k.pos.question, k.pos.instruction, k.pos.sample])).toEqual([
      [0, 0, 0],
      [1, 0, 0],
    ]);
    const reasons = f.dropped.map((d) => d.reasons);
    expect(reasons).toEqual([['pos trait too low'], ['pos incoherent'], ['neg trait too high'], ['missing score'], ['unpaired']]);
    expect(f.dropped[4].neg?.question).toBe(9);
  });

  it('uses the thresholds from settings', () => {
    const f = filterRollouts(pos, neg, { posTraitMin: 30, negTraitMax: 60, coherenceMin: 30 });
    expect(f.kept).toHaveLength(5);
  });

  it('judge "none" keeps every complete pair', () => {
    const f = filterRollouts(pos, neg, { judge: 'none' });
    expect(f.kept).toHaveLength(6);
    expect(f.dropped).toHaveLength(1);
  });

  it('pairs by (question, instruction, sample), not by position', () => {
    const f = filterRollouts([r(1, 2, 3, 80, 80)], [r(1, 2, 4, 0, 80), r(1, 2, 3, 0, 80)]);
    expect(f.kept[0].neg.sample).toBe(3);
  });
});
