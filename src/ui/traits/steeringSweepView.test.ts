/**
 * The post-Extract sweep as the Traits panel shows it (real React, rendered to HTML in Node): the
 * grid's columns are ρ and every cell sits under the ρ it was steered at, whatever its layer's α;
 * a sweep saved before cells carried ρ is placed by α and the norms; the shuffled-label controls'
 * scores are shown beside the suggested cell with the verdict.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { labSweepSettings, labSweepSummary, LAB_SWEEP_RHOS } from '../../persona/pipeline/labSweep';
import { sweepCells } from '../../persona/pipeline/layerChoice';
import { makePersonaVector } from '../../persona/personaVector';
import type { ControlResult } from '../../persona/pipeline/specificity';
import type { SteerCell, SteerCellResult } from '../../persona/pipeline/steer';
import type { VectorEntry } from '../../state/types';
import { SteeringSweepView } from './SteeringSweepView';
import { sweepGrid } from './sweepGrid';

// rows: embeddings, block 0 (norm 5), block 1 (norm 2); typical norms 10 and 40: α differs per layer at one ρ
const data = new Float32Array([1, 0, 3, 4, 0, 2]);
const typicalNorms = [1, 10, 40];
const vector = makePersonaVector(3, 2, data, { trait: 'cheerful' });
/** A made-up judged result per cell: trait rises with ρ, more at block 1. */
const judged = (c: SteerCell): SteerCellResult => ({
  ...c,
  trait: c.layer === null ? 10 : 10 + (c.rho ?? 0) * (c.layer === 1 ? 25 : 10),
  coherence: 95,
  traitRate: null,
  n: 4,
});
const cells = sweepCells(2, labSweepSettings(typicalNorms), vector).map(judged);
const best = cells.find((c) => c.layer === 1 && c.rho === 2)!;
const runnerUp = cells.find((c) => c.layer === 1 && c.rho === 3)!;
const controls: ControlResult[] = [
  { cell: runnerUp, specific: false, shuffled: [{ ...runnerUp, trait: 77, coherence: 91, cos: 0.3 }] },
  {
    cell: best,
    specific: true,
    shuffled: [
      { ...best, trait: 12, coherence: 93, cos: 0.05 },
      { ...best, trait: 14, coherence: 92, cos: -0.1 },
    ],
  },
];
const entry = (sweep: VectorEntry['sweep']): VectorEntry => ({
  trait: 'cheerful',
  modelId: 'm',
  rows: 3,
  hidden: 2,
  data,
  layer: 1,
  stats: null,
  typicalNorms,
  samples: { pos: 4, neg: 4 },
  createdAt: 0,
  sweep,
});

describe('the post-Extract sweep view', () => {
  it('puts every cell under its ρ, so one column is one strength relative to the residual at every layer', () => {
    const grid = sweepGrid(entry(undefined), { cells });
    expect(grid.rhos).toEqual(LAB_SWEEP_RHOS);
    expect(grid.rows.map((r) => r.layer)).toEqual([0, 1]);
    for (const row of grid.rows) row.cells.forEach((c, i) => expect(c?.rho).toBe(LAB_SWEEP_RHOS[i]));
    // the same ρ is a different α at each layer (α = ρ · typical / ‖v row‖): 10/5 at block 0, 40/2 at block 1
    expect(grid.rows[0].cells.map((c) => c!.alpha)).toEqual(LAB_SWEEP_RHOS.map((r) => r * 2));
    expect(grid.rows[1].cells.map((c) => c!.alpha)).toEqual(LAB_SWEEP_RHOS.map((r) => r * 20));
  });

  it('places the cells of a sweep saved without ρ by α and the norms, and leaves out cells at no swept ρ', () => {
    const old = cells.map(({ rho: _rho, ...c }) => c);
    const grid = sweepGrid(entry(undefined), { cells: [...old, { ...old[1], alpha: 7.77 }] });
    expect(grid.rows[1].cells.map((c) => c!.alpha)).toEqual(LAB_SWEEP_RHOS.map((r) => r * 20));
    expect(grid.rows.flatMap((r) => r.cells).some((c) => c?.alpha === 7.77)).toBe(false);
  });

  it('renders the grid in ρ and the controls beside the suggested cell', () => {
    const html = renderToStaticMarkup(createElement(SteeringSweepView, { vector: entry(labSweepSummary(cells, best, controls)) }));
    for (const r of LAB_SWEEP_RHOS) expect(html).toContain(`<th title="${(r * 100).toFixed(0)}% of the typical residual norm">ρ ${r.toFixed(2)}</th>`);
    expect(html).toContain('Suggested: <strong class="mono">ρ 2.00 (α 40.00) at blocks.1.resid_post</strong>');
    expect(html).toContain('title="ρ 2.00 = α 40.000 at this layer"');
    expect(html).toMatch(/aria-label="Specificity controls"/);
    const controlsTable = html.slice(html.indexOf('aria-label="Specificity controls"'));
    expect(controlsTable).toMatch(/<th>control 1<\/th><th>control 2<\/th>/);
    // the failed cell first, then the suggested one with both controls' scores and its verdict
    expect(controlsTable).toMatch(/L1 · ρ 3\.00<\/td><td>85 \/ 95<\/td><td[^>]*>77 \/ 91<\/td><td[^>]*>—<\/td><td>a control steers too<\/td>/);
    expect(controlsTable).toMatch(/▸ L1 · ρ 2\.00<\/td><td>60 \/ 95<\/td><td[^>]*>12 \/ 93<\/td><td[^>]*>14 \/ 92<\/td><td>passed · suggested<\/td>/);
  });

  it('says when no cell was checked, and when a saved sweep kept only the count', () => {
    const none = renderToStaticMarkup(createElement(SteeringSweepView, { vector: entry(labSweepSummary(cells, null, [])) }));
    expect(none).toContain('Specificity controls: no cell was checked');
    const { controls: _c, ...old } = labSweepSummary(cells, best, controls);
    const saved = renderToStaticMarkup(createElement(SteeringSweepView, { vector: entry(old) }));
    expect(saved).toContain('2 cell(s) were checked with shuffled-label controls; this sweep was saved before their results were kept');
  });
});
