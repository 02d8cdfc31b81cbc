import { describe, expect, it } from 'vitest';
import { makePersonaVector } from '../personaVector';
import { absoluteAlpha, labAlphaLimits, relativeAlpha } from '../steering';
import { cellRho, labSweepSettings, labSweepSummary, LAB_SWEEP_RHOS } from './labSweep';
import { sweepCells } from './layerChoice';
import type { ControlResult } from './specificity';
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

  it('keeps each cell’s ρ; ρ → α → ρ round-trips (within α’s three-digit rounding) and α → ρ → α exactly', () => {
    const cells = sweepCells(3, labSweepSettings(typical), v).slice(1);
    expect(cells.map((c) => c.rho)).toEqual([...LAB_SWEEP_RHOS, ...LAB_SWEEP_RHOS]);
    for (const c of cells) {
      const rowNorm = c.layer === 0 ? 5 : 2;
      const t = typical[c.layer! + 1];
      expect(cellRho(c)).toBe(c.rho);
      // a saved cell without ρ gets it back from α and the norms
      expect(cellRho({ alpha: c.alpha }, rowNorm, t)).toBeCloseTo(c.rho!, 2);
      expect(Math.abs(relativeAlpha(c.alpha, rowNorm, t) - c.rho!) / c.rho!).toBeLessThan(5e-3);
      expect(absoluteAlpha(relativeAlpha(c.alpha, rowNorm, t), rowNorm, t)).toBeCloseTo(c.alpha, 10);
    }
    // an awkward ratio, where rounding α shows
    expect(relativeAlpha(absoluteAlpha(0.7, 3, 11), 3, 11)).toBeCloseTo(0.7, 12);
    expect(cellRho({ alpha: 2 })).toBeNull();
    expect(cellRho({ alpha: 2 }, 5, 0)).toBeNull();
  });

  it('suggests the controlled cell, or says why there is none', () => {
    const cell = (layer: number | null, alpha: number, trait: number, coherence = 100): SteerCellResult => ({
      layer,
      alpha,
      trait,
      coherence,
      traitRate: trait / 100,
      n: 4,
      positions: 'response',
    });
    const cells = [cell(null, 0, 0), cell(0, 2, 90), cell(1, 2, 40, 60)];
    const control = (cell: SteerCellResult, traits: number[], specific: boolean): ControlResult => ({
      cell,
      specific,
      shuffled: traits.map((t, i) => ({ ...cell, trait: t, coherence: 90, cos: 0.1 * i })),
    });
    const passed = labSweepSummary(cells, cells[1], [control(cells[1], [5, 8], true)]);
    expect(passed.suggested).toBe(cells[1]);
    expect(passed.controlsChecked).toBe(1);
    expect(passed.controls).toEqual([
      {
        cell: cells[1],
        specific: true,
        shuffled: [
          { trait: 5, coherence: 90, cos: 0 },
          { trait: 8, coherence: 90, cos: 0.1 },
        ],
      },
    ]);
    const failed = labSweepSummary(cells, null, [control(cells[1], [85], false), control(cells[2], [70], false)]);
    expect(failed.note).toMatch(/shuffled-label control/);
    expect(failed.controlsChecked).toBe(2);
    expect(failed.controls!.map((c) => c.shuffled[0].trait)).toEqual([85, 70]);
    expect(labSweepSummary(cells, null, null).note).toMatch(/no coherent cell \(coherence ≥ 80\) raised the trait above the unsteered 0/);
    expect(labSweepSummary(cells, null, null).controls).toEqual([]);
  });
});
