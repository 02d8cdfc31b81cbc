import { describe, it, expect } from 'vitest';
import { layerStats, projectOnRows, suggestLayer, type LayerStat } from './layerStats';
import { makePersonaVector } from './personaVector';

describe('layerStats', () => {
  // rows 3 (embed + 2 blocks), hidden 2; row 0 zero, row 1 along x (norm 2), row 2 along y (norm 4)
  const v = makePersonaVector(3, 2, new Float32Array([0, 0, 2, 0, 0, 4]));

  it('projects a sample on every row, NaN where the vector is zero', () => {
    const p = projectOnRows([5, 5, 3, 7, 1, -2], v);
    expect(p[0]).toBeNaN();
    expect(p[1]).toBe(3);
    expect(p[2]).toBe(-2);
    expect(() => projectOnRows([1], v)).toThrow(/sample has 1 values/);
  });

  it('computes norm, gap, d and AUROC per row', () => {
    const pos = [
      [0, 0, 1, 0, 0, 3],
      [0, 0, 3, 0, 0, 1],
      [0, 0, 5, 0, 0, 2],
    ].map((s) => projectOnRows(s, v));
    const neg = [
      [0, 0, 0, 0, 0, 2],
      [0, 0, 2, 0, 0, 3],
    ].map((s) => projectOnRows(s, v));
    const s = layerStats(v, pos, neg);
    expect(s.map((x) => x.norm)).toEqual([0, 2, 4]);
    expect(s[0].auroc).toBeNaN();
    expect(s[1].layer).toBe(0);
    // row 1: pos [1,3,5] mean 3 SS 8; neg [0,2] mean 1 SS 2; pooled sd sqrt(10/3); d = 2/sqrt(10/3)
    expect(s[1].gap).toBe(2);
    expect(s[1].cohensD).toBeCloseTo(2 / Math.sqrt(10 / 3), 12);
    // pos [1,3,5] vs neg [0,2]: wins 1>0, 3>0, 3>2, 5>0, 5>2 = 5 of 6
    expect(s[1].auroc).toBeCloseTo(5 / 6, 12);
    // row 2: pos [3,1,2] vs neg [2,3] → wins 3>2; ties 3=3, 2=2 → (1 + 1)/6
    expect(s[2].auroc).toBeCloseTo(2 / 6, 12);
  });

  it('suggests the best-separating middle block', () => {
    const mk = (layer: number, d: number, a = 0.5): LayerStat => ({ row: layer + 1, layer, norm: 1, gap: 0, cohensD: d, auroc: a });
    const stats = [mk(-1, 9), mk(0, 5), mk(1, 1), mk(2, 2), mk(3, 2, 0.9), mk(4, 1), mk(5, 1), mk(6, 1), mk(7, 8)];
    expect(suggestLayer(stats)).toBe(3); // blocks 2..5 only; d tie broken by AUROC
    expect(suggestLayer(stats, { band: [0, 1] })).toBe(7);
    expect(suggestLayer([mk(-1, 1), mk(0, NaN)])).toBeNull();
  });
});
