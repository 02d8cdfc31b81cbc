/**
 * The post-Extract sweep as a grid in ρ (α·‖v‖ relative to the typical residual norm at the layer),
 * so cells of different layers and readouts read on one scale. A cell keeps the ρ it was set at; a
 * sweep saved before cells carried ρ gets it back from α, the vector row's norm and the layer's
 * typical norm.
 */
import { rowOfLayer } from '../../engine/hooks';
import { cellRho, LAB_SWEEP_RHOS, type LabSweepSummary } from '../../persona/pipeline/labSweep';
import type { SteerCellResult } from '../../persona/pipeline/steer';
import { norm } from '../../persona/vectorMath';
import type { VectorEntry } from '../../state/types';

export interface SweepGridRow {
  layer: number;
  /** One per column ρ; null where the sweep has no cell. */
  cells: (SteerCellResult | null)[];
}

export interface SweepGrid {
  rhos: readonly number[];
  baseline: SteerCellResult | null;
  rows: SweepGridRow[];
}

/** ρ of a cell of this vector's sweep (null when neither the cell nor the vector can say). */
export function rhoOfCell(
  vector: Pick<VectorEntry, 'data' | 'hidden' | 'typicalNorms'>,
  cell: Pick<SteerCellResult, 'layer' | 'alpha' | 'rho'>,
): number | null {
  if (cell.layer === null) return null;
  const row = rowOfLayer(cell.layer);
  const H = vector.hidden;
  const rowNorm = norm(vector.data.subarray(row * H, (row + 1) * H));
  return cellRho(cell, rowNorm, vector.typicalNorms?.[row]);
}

/** Column of a ρ: the sweep's strength it equals (α is rounded to three digits, so within 1%). */
function column(rhos: readonly number[], rho: number | null): number {
  if (rho === null) return -1;
  return rhos.findIndex((r) => Math.abs(rho - r) <= 0.01 * Math.abs(r));
}

export function sweepGrid(
  vector: Pick<VectorEntry, 'data' | 'hidden' | 'typicalNorms'>,
  sweep: Pick<LabSweepSummary, 'cells'>,
  rhos: readonly number[] = LAB_SWEEP_RHOS,
): SweepGrid {
  const baseline = sweep.cells.find((c) => c.layer === null) ?? null;
  const byLayer = new Map<number, (SteerCellResult | null)[]>();
  for (const c of sweep.cells) {
    if (c.layer === null) continue;
    const i = column(rhos, rhoOfCell(vector, c));
    if (i < 0) continue;
    if (!byLayer.has(c.layer))
      byLayer.set(
        c.layer,
        rhos.map(() => null),
      );
    byLayer.get(c.layer)![i] = c;
  }
  const rows = [...byLayer.entries()].sort((a, b) => a[0] - b[0]).map(([layer, cells]) => ({ layer, cells }));
  return { rhos, baseline, rows };
}
