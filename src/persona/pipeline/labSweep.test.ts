import { describe, expect, it } from 'vitest';
import { makePersonaVector } from '../personaVector';
import { labAlphaLimits, relativeAlpha } from '../steering';
import { labSweepSettings, labSweepSummary, LAB_SWEEP_RHOS } from './labSweep';
import { sweepCells } from './layerChoice';
import type { SteerCellResult } from './steer';

describe('the lab sweep', () => {
  // rows: embeddings, block 0 (norm 5), block 1 (all zero), block 2 (norm 2)
  const data = new Float32Array([1, 0, 3, 4, 0, 0, 0, 2]);
  const v = makePersonaVector(4, 2, data, { trait: 't' });
  const typical = [1, 10, 10, 40];

  it('turns relative strengths into α per layer from that layer’s norms; layers without a usable row are left out', () => {
    const cells = sweepCells(3, labSweepSettings(typical), v);
    expect(cells[0]).toEqual({ layer: null, alpha: 0 });
    const at = (layer: number) => cells.filter((c) => c.layer === layer).map((c) => c.alpha);
    expect(at(0)).toEqual(LAB_SWEEP_RHOS.map((r) => (r * 10) / 5));
    expect(at(1)).toEqual([]);
    expect(at(2)).toEqual(LAB_SWEEP_RHOS.map((r) => (r * 40) / 2));
    for (const c of cells.slice(1)) {
      const rowNorm = c.layer === 0 ? 5 : 2;
      expect(relativeAlpha(c.alpha, rowNorm, typical[c.layer! + 1])).toBeLessThanOrEqual(labAlphaLimits('response').maxRelative);
      expect(c.positions).toBe('response');
    }
    expect(() => sweepCells(3, labSweepSettings(typical))).toThrow(/needs the vector/);
  });

  it('suggests the controlled cell, or says why there is none', () => {
    const cell = (layer: number | null, alpha: number, trait: number, coherence = 100): SteerCellResult => ({ layer, alpha, trait, coherence, traitRate: trait / 100, n: 4, positions: 'response' });
    const cells = [cell(null, 0, 0), cell(0, 2, 90), cell(1, 2, 40, 60)];
    expect(labSweepSummary(cells, cells[1], 2).suggested).toBe(cells[1]);
    expect(labSweepSummary(cells, null, 2).note).toMatch(/shuffled-label control/);
    expect(labSweepSummary(cells, null, 0).note).toMatch(/no coherent cell \(coherence ≥ 80\) raised the trait above the unsteered 0/);
  });
});
