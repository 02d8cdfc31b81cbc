/**
 * The short steering sweep the lab runs after Extract: the paper's way of steering (the run's
 * readout added at the response positions, no system prompt), every layer at a few strengths
 * relative to the residual stream, checked with shuffled-label controls. Its best coherent cell
 * that passes the controls sets the steering layer and the suggested strength on the slider.
 */
import type { EngineApi } from '../../engine/api';
import { questionPrompt, type PromptFormat } from '../promptFormat';
import { median } from '../stats';
import { relativeAlpha, typicalResidualNorm } from '../steering';
import { captureRows } from './engineCalls';
import type { ControlResult } from './specificity';
import type { SteerCellResult } from './steer';
import type { SweepSettings } from './types';

/** Median per-token residual norm per row (0 = embeddings) over the first few questions, put as the format asks. */
export async function typicalNorms(
  engine: EngineApi,
  questions: string[],
  rows: number,
  hidden: number,
  signal?: AbortSignal,
  format: PromptFormat = 'chat',
): Promise<number[]> {
  const captured = await captureRows(
    engine,
    { rows: questions.slice(0, 4).map((q) => ({ prompt: questionPrompt(format, { system: null, user: q }) })) },
    signal,
  );
  const perRow: number[][] = Array.from({ length: rows }, () => []);
  for (const c of captured) {
    const T = c.ids.length;
    for (let r = 0; r < rows; r++) perRow[r].push(typicalResidualNorm(c.resid.subarray(r * T * hidden, (r + 1) * T * hidden), hidden));
  }
  return perRow.map((n) => (n.length ? median(n) : 0));
}

/** Strengths ρ = α·‖v‖ / typical residual norm; all inside the slider's clamp for response steering (|ρ| ≤ 4). */
export const LAB_SWEEP_RHOS: readonly number[] = [0.5, 1, 2, 3];
/** Answers below this mean coherence cannot be suggested: the suggested strength must read as sentences. */
export const LAB_SWEEP_COHERENCE_MIN = 80;

export function labSweepSettings(typicalNorms: number[]): SweepSettings {
  return {
    alphas: [],
    relative: { rhos: [...LAB_SWEEP_RHOS], typicalNorms },
    systemPrompt: null,
    maxQuestions: 4,
    positions: ['response'],
    controls: 2,
    coherenceMin: LAB_SWEEP_COHERENCE_MIN,
  };
}

/** One cell checked with the shuffled-label controls: what each control vector did there, at the same strength. */
export interface LabSweepControl {
  cell: SteerCellResult;
  /** Per control: mean trait and coherence at the cell, and the shuffled row's cosine to the real one. */
  shuffled: { trait: number | null; coherence: number | null; cos: number }[];
  /** No control raised the trait more than the allowed rise over the unsteered baseline. */
  specific: boolean;
}

/** What the lab keeps of the sweep: the table, the controls' results and the suggestion (null when no cell qualified). */
export interface LabSweepSummary {
  cells: SteerCellResult[];
  suggested: SteerCellResult | null;
  /** Why there is no suggestion (when suggested is null). */
  note: string | null;
  /** Cells checked with the shuffled-label controls before one passed (or all failed). */
  controlsChecked: number;
  /** Those cells and their controls, in the order checked (absent in sweeps saved before controls were kept). */
  controls?: LabSweepControl[];
}

/** The ρ of a sweep cell: its own when the sweep was set in ρ, else from α, the vector row's norm and the layer's typical norm. */
export function cellRho(cell: Pick<SteerCellResult, 'alpha' | 'rho'>, rowNorm?: number, typicalNorm?: number): number | null {
  if (typeof cell.rho === 'number') return cell.rho;
  return rowNorm !== undefined && typicalNorm !== undefined && typicalNorm > 0 ? relativeAlpha(cell.alpha, rowNorm, typicalNorm) : null;
}

export function labSweepSummary(cells: SteerCellResult[], steering: SteerCellResult | null, checked: ControlResult[] | null): LabSweepSummary {
  const controls: LabSweepControl[] = (checked ?? []).map((c) => ({
    cell: c.cell,
    specific: c.specific,
    shuffled: c.shuffled.map((s) => ({ trait: s.trait, coherence: s.coherence, cos: s.cos })),
  }));
  const controlsChecked = controls.length;
  if (steering && steering.layer !== null) return { cells, suggested: steering, note: null, controlsChecked, controls };
  const baseline = cells.find((c) => c.layer === null)?.trait ?? null;
  const note =
    cells.length <= 1
      ? 'the vector is zero at every layer (or the residual norms are unknown), so there was nothing to sweep'
      : controlsChecked > 0
        ? 'every cell that raised the trait was also raised by a shuffled-label control: no specific strength to suggest'
        : `no coherent cell (coherence ≥ ${LAB_SWEEP_COHERENCE_MIN}) raised the trait above the unsteered ${baseline === null ? 'baseline' : baseline.toFixed(0)}`;
  return { cells, suggested: null, note, controlsChecked, controls };
}
