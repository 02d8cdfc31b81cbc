/**
 * Step 4, layer choice (docs/ARCHITECTURE.md §4 "Layer choice"): per-layer separation statistics of held-out
 * (evaluation-question) responses projected onto each row of the vector (layerStats.ts), and the
 * paper's criterion, a steering sweep over layers × α (optionally also position modes and
 * readouts) on evaluation questions scored by the judge. The suggested layer is the sweep's best
 * coherent cell when steering beats the unsteered baseline, else the statistics' suggestion.
 */
import { layerStats, projectOnRows, suggestLayer, type LayerStat } from '../layerStats';
import { READOUTS, vectorRow, type PersonaVector, type Readout } from '../personaVector';
import { norm } from '../vectorMath';
import { absoluteAlpha } from '../steering';
import { contextFormat, questionPrompt, responseText } from '../promptFormat';
import { captureRows } from './engineCalls';
import { rowReadouts } from './activations';
import type { Judge } from './judges';
import { checkCancelled, chunks, PipelineProgressTracker } from './progress';
import { steeringEval, type SteerCell, type SteerCellResult } from './steer';
import { PipelineError, type PipelineContext, type RolloutRecord, type SweepSettings } from './types';
import { rowOfLayer } from '../../engine/hooks';

/** Stored held-out projections (collection "activationMeans"): per rollout, per readout, one value per row. */
export interface HeldoutRecord {
  id: string;
  runId: string;
  projections: Record<string, { side: 'pos' | 'neg'; values: Record<Readout, number[]> }>;
}

export interface HeldoutStats {
  stats: LayerStat[];
  suggested: number | null;
  counts: { pos: number; neg: number };
}

/** Projects held-out rollouts (labelled pos/neg) onto every row of each readout's vector; per-layer statistics. */
export async function heldoutLayerStats(
  ctx: PipelineContext,
  runId: string,
  rollouts: RolloutRecord[],
  vectors: Record<Readout, PersonaVector>,
  batchSize: number,
): Promise<Record<Readout, HeldoutStats>> {
  const id = `${runId}:heldout`;
  const rec: HeldoutRecord = (await ctx.storage.get<HeldoutRecord>('activationMeans', id)) ?? { id, runId, projections: {} };
  const rows = ctx.info.numLayers + 1;
  const todo = rollouts.filter((r) => !rec.projections[r.id]);
  const progress = new PipelineProgressTracker(ctx, 'heldout', rollouts.length);
  progress.skip(rollouts.length - todo.length);
  for (const batch of chunks(todo, batchSize)) {
    checkCancelled(ctx.signal);
    const captured = await captureRows(
      ctx.engine,
      { rows: batch.map((r) => ({ prompt: questionPrompt(contextFormat(ctx), r), response: responseText(contextFormat(ctx), r.response) })) },
      ctx.signal,
    );
    batch.forEach((r, b) => {
      const ro = rowReadouts(captured[b], rows, ctx.info.hiddenSize);
      if (!ro) return;
      const values = {} as Record<Readout, number[]>;
      for (const k of READOUTS) values[k] = Array.from(projectOnRows(ro[k], vectors[k]));
      rec.projections[r.id] = { side: r.side as 'pos' | 'neg', values };
    });
    await ctx.storage.put('activationMeans', rec);
    progress.advance(batch.length);
  }
  const wanted = rollouts.map((r) => rec.projections[r.id]).filter(Boolean);
  const out = {} as Record<Readout, HeldoutStats>;
  for (const k of READOUTS) {
    const pos = wanted.filter((p) => p.side === 'pos').map((p) => p.values[k]);
    const neg = wanted.filter((p) => p.side === 'neg').map((p) => p.values[k]);
    const stats = layerStats(vectors[k], pos, neg);
    out[k] = { stats, suggested: suggestLayer(stats), counts: { pos: pos.length, neg: neg.length } };
  }
  return out;
}

export interface SweepResult {
  cells: SteerCellResult[];
  /** Best steered cell whose coherence is at least coherenceMin (null if none). */
  best: SteerCellResult | null;
}

/**
 * The cells of a sweep: the unsteered baseline plus every (position mode, layer, α). With
 * s.relative the α of each layer comes from ρ and that layer's norms (`vector` is then needed);
 * a layer whose row or typical norm is zero is left out.
 */
export function sweepCells(numLayers: number, s: SweepSettings, vector?: PersonaVector): SteerCell[] {
  const layers = s.layers ?? Array.from({ length: numLayers }, (_, l) => l);
  const modes = s.positions ?? ['response'];
  const alphasAt = (layer: number): { alpha: number; rho?: number }[] => {
    if (!s.relative) return s.alphas.map((alpha) => ({ alpha }));
    if (!vector) throw new PipelineError('bad_input', 'a sweep with relative strengths needs the vector');
    const rowNorm = norm(vectorRow(vector, rowOfLayer(layer)));
    const typical = s.relative.typicalNorms[rowOfLayer(layer)] ?? 0;
    if (!(rowNorm > 0) || !(typical > 0)) return [];
    return s.relative.rhos.map((rho) => ({ alpha: roundAlpha(absoluteAlpha(rho, rowNorm, typical)), rho }));
  };
  return [{ layer: null, alpha: 0 }, ...modes.flatMap((positions) => layers.flatMap((layer) => alphasAt(layer).map((a) => ({ layer, positions, ...a }))))];
}

/** α to three significant digits (what a slider shows and a share link carries). */
function roundAlpha(a: number): number {
  return Number(a.toPrecision(3));
}

/**
 * The coherent steered cells, best first: highest mean trait score ('up', eliciting) or lowest
 * ('down', suppressing); ties go to the smaller |α|, then to the earlier cell.
 */
export function rankedCells(cells: SteerCellResult[], coherenceMin = 50, direction: 'up' | 'down' = 'up'): SteerCellResult[] {
  const sign = direction === 'up' ? 1 : -1;
  return cells
    .filter((c) => c.layer !== null && c.alpha !== 0 && c.trait !== null && (c.coherence === null || c.coherence >= coherenceMin))
    .sort((a, b) => sign * (b.trait! - a.trait!) || Math.abs(a.alpha) - Math.abs(b.alpha));
}

/** The first of rankedCells, or null when no steered cell is coherent. */
export function bestCell(cells: SteerCellResult[], coherenceMin = 50, direction: 'up' | 'down' = 'up'): SteerCellResult | null {
  return rankedCells(cells, coherenceMin, direction)[0] ?? null;
}

/**
 * Steers with each readout's vector (s.readouts, default the first of `vectors`) at every cell of
 * sweepCells and judges the answers; the unsteered baseline is generated once. `keyOf` names a
 * vector's stored rows (so a re-run with the same vector resumes).
 */
export async function steeringSweep(
  ctx: PipelineContext,
  keyOf: (v: PersonaVector) => string,
  vectors: Partial<Record<Readout, PersonaVector>>,
  questions: string[],
  judge: Judge,
  s: SweepSettings,
  opts: { batchSize: number; maxNewTokens: number },
): Promise<SweepResult> {
  const readouts = s.readouts ?? (Object.keys(vectors) as Readout[]).slice(0, 1);
  const cells: SteerCellResult[] = [];
  for (const [i, readout] of readouts.entries()) {
    const vector = vectors[readout];
    if (!vector) throw new PipelineError('bad_input', `the sweep asks for the ${readout} vector, which this run does not have`);
    const all = sweepCells(ctx.info.numLayers, s, vector).map((c) => (c.layer === null ? c : { ...c, readout }));
    const res = await steeringEval(ctx, {
      runId: keyOf(vector),
      vector,
      questions: questions.slice(0, s.maxQuestions ?? Infinity),
      systemPrompt: s.systemPrompt,
      cells: i === 0 ? all : all.slice(1),
      judge,
      maxNewTokens: s.maxNewTokens ?? opts.maxNewTokens,
      batchSize: opts.batchSize,
      step: 'sweep',
    });
    cells.push(...res.cells);
  }
  return { cells, best: bestCell(cells, s.coherenceMin ?? 50) };
}
