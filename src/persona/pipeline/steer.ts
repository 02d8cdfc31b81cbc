/**
 * Steering evaluation: generate answers to evaluation questions with α·v added at one layer
 * (many (layer, α) rows in one batch, each row its own steering) and score them with the judge.
 * Used by the layer sweep (step 4) and the CLI's steer-eval. Rows and scores are stored, so a
 * re-run skips them.
 */
import type { PositionMode, SteeringTerm } from '../../engine/api';
import type { PersonaVector, Readout } from '../personaVector';
import { vectorRow } from '../personaVector';
import { mean } from '../stats';
import type { Judge } from './judges';
import { generatePlanned, type RolloutPlan } from './rollouts';
import { judgeRollouts, withScores, type ScoredRollout } from './scoring';
import type { PipelineContext, PipelineStep } from './types';
import { rowOfLayer } from '../../engine/hooks';

export interface SteerCell {
  /** Decoder block steered; null = unsteered. */
  layer: number | null;
  alpha: number;
  /** Where to steer (default "response": the last prompt token, then each new token). */
  positions?: PositionMode;
  /** Which readout's vector the cell steers with (a label set by sweeps over several readouts). */
  readout?: Readout;
  /**
   * The strength relative to the residual stream, ρ = α·‖v‖ / typical ‖resid‖ at the layer, when the
   * sweep was set in ρ (SweepSettings.relative); α is then ρ's value at this layer, rounded.
   */
  rho?: number;
}

export interface SteerCellResult extends SteerCell {
  /** Mean judged trait score 0–100 over the scored answers (null if none were scored). */
  trait: number | null;
  coherence: number | null;
  /** Fraction of scored answers with trait ≥ 50. */
  traitRate: number | null;
  /** Answers with a trait score. */
  n: number;
}

export interface SteerEvalOptions {
  /** Storage key prefix of the rows (a run id, or any unique name). */
  runId: string;
  vector: PersonaVector;
  questions: string[];
  systemPrompt: string | null;
  cells: SteerCell[];
  judge: Judge;
  maxNewTokens: number;
  batchSize: number;
  step?: PipelineStep;
}

/** The cell's position mode when it is not the default ("response"). */
function otherPositions(c: SteerCell): PositionMode | undefined {
  return c.positions && c.positions !== 'response' ? c.positions : undefined;
}

export function cellKey(c: SteerCell): string {
  if (c.layer === null || c.alpha === 0) return 'base';
  const where = otherPositions(c);
  return `L${c.layer}a${c.alpha}${where ? `-${where}` : ''}`;
}

export function steeringFor(v: PersonaVector, c: SteerCell): SteeringTerm[] | null {
  if (c.layer === null || c.alpha === 0) return null;
  return [{ layer: c.layer, vector: Float32Array.from(vectorRow(v, rowOfLayer(c.layer))), alpha: c.alpha }];
}

function finite(xs: (number | null)[]): number[] {
  return xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
}

export function summarizeCell(c: SteerCell, rows: ScoredRollout[]): SteerCellResult {
  const t = finite(rows.map((r) => r.trait));
  const co = finite(rows.map((r) => r.coherence));
  return {
    ...c,
    trait: t.length ? mean(t) : null,
    coherence: co.length ? mean(co) : null,
    traitRate: t.length ? t.filter((x) => x >= 50).length / t.length : null,
    n: t.length,
  };
}

/** Generates and judges every (cell, question); greedy decoding, steering where each cell says (default "response"). */
export async function steeringEval(ctx: PipelineContext, o: SteerEvalOptions): Promise<{ cells: SteerCellResult[]; rows: ScoredRollout[] }> {
  const keys = [...new Set(o.cells.map(cellKey))];
  const plan: RolloutPlan[] = [];
  for (const key of keys) {
    const cell = o.cells.find((c) => cellKey(c) === key)!;
    const positions = otherPositions(cell);
    o.questions.forEach((user, q) => {
      plan.push({
        id: `${o.runId}:sweep:${key}:q${q}:i0:s0`,
        runId: o.runId,
        split: 'sweep',
        side: 'steer',
        question: q,
        instruction: 0,
        sample: 0,
        system: o.systemPrompt,
        user,
        layer: cell.layer === null || cell.alpha === 0 ? null : cell.layer,
        alpha: cell.alpha,
        steering: steeringFor(o.vector, cell),
        ...(positions ? { positions } : {}),
      });
    });
  }
  const step = o.step ?? 'steer';
  const rollouts = await generatePlanned(ctx, plan, { step, phase: 'generate', maxNewTokens: o.maxNewTokens, batchSize: o.batchSize, sampling: null, seed: 0 });
  const scored = withScores(rollouts, await judgeRollouts(ctx, rollouts, o.judge, step));
  const byKey = new Map<string, ScoredRollout[]>();
  scored.forEach((r, i) => {
    const key = plan[i].id.split(':sweep:')[1].split(':q')[0];
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  });
  return { cells: o.cells.map((c) => summarizeCell(c, byKey.get(cellKey(c)) ?? [])), rows: scored };
}
