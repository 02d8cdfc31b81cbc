/**
 * Step 3, activations and vectors (docs/ARCHITECTURE.md §4 "Activations", "Vector"): one capture per rollout
 * (chat-templated prompt + response); the three readouts go into running means per side
 * (ReadoutAccumulator), and captures are dropped right away. The means, their counts and the ids
 * they include are stored after every batch, so a re-run resumes where it stopped. Vectors are
 * mean(pos) − mean(neg), [L+1, hidden] float32, per readout.
 */
import type { CapturedRow } from '../../engine/api';
import { makeCapture, personaVectorFrom, ReadoutAccumulator, readouts, type Readouts } from '../extract';
import { READOUTS, type PersonaVector, type Readout } from '../personaVector';
import { contextFormat, questionPrompt, responseText } from '../promptFormat';
import { captureRows } from './engineCalls';
import { checkCancelled, chunks, PipelineProgressTracker } from './progress';
import { PipelineError, type PipelineContext, type RolloutRecord, type Side } from './types';

/** Stored running means of one side (collection "activationMeans"). */
export interface MeansRecord {
  id: string;
  runId: string;
  side: Side;
  rows: number;
  hidden: number;
  count: number;
  means: Record<Readout, Float32Array>;
  /** Rollout ids already added. */
  included: string[];
  /** Rollouts skipped because their response was empty. */
  empty: string[];
}

/** Stored vector (collection "vectors"). */
export interface VectorRecord {
  id: string;
  runId: string;
  readout: Readout;
  vector: PersonaVector;
  counts: { pos: number; neg: number };
}

export function meansId(runId: string, side: Side): string {
  return `${runId}:means:${side}`;
}

export function vectorId(runId: string, readout: Readout): string {
  return `${runId}:${readout}`;
}

/** The three readouts of a captured row, or null when the response is empty. */
export function rowReadouts(row: CapturedRow, numRows: number, hidden: number): Readouts | null {
  const T = row.ids.length;
  if (T <= row.promptLength) return null;
  return readouts(makeCapture(row.resid, numRows, T, hidden), row.promptLength);
}

function restore(rec: MeansRecord | undefined, rows: number, hidden: number): ReadoutAccumulator {
  const acc = new ReadoutAccumulator(rows, hidden);
  if (rec && rec.count > 0) {
    if (rec.rows !== rows || rec.hidden !== hidden)
      throw new PipelineError('bad_input', `stored means are [${rec.rows}, ${rec.hidden}] but the model is [${rows}, ${hidden}]; was another model loaded?`);
    for (const k of READOUTS) acc.means[k].add(rec.means[k], rec.count);
  }
  return acc;
}

function toRecord(runId: string, side: Side, acc: ReadoutAccumulator, included: string[], empty: string[]): MeansRecord {
  const means = {} as Record<Readout, Float32Array>;
  for (const k of READOUTS) means[k] = acc.means[k].mean();
  return { id: meansId(runId, side), runId, side, rows: acc.rows, hidden: acc.hidden, count: acc.count, means, included, empty };
}

export interface ActivationResult {
  pos: ReadoutAccumulator;
  neg: ReadoutAccumulator;
  counts: { pos: number; neg: number; empty: number };
  vectors: Record<Readout, PersonaVector>;
}

/** Captures the rollouts of kept pairs, accumulates means per side, stores means and vectors. */
export async function extractActivations(
  ctx: PipelineContext,
  runId: string,
  pairs: { pos: RolloutRecord; neg: RolloutRecord }[],
  opts: { batchSize: number; trait?: string },
): Promise<ActivationResult> {
  const rows = ctx.info.numLayers + 1;
  const hidden = ctx.info.hiddenSize;
  const state = {} as Record<Side, { acc: ReadoutAccumulator; included: Set<string>; empty: Set<string> }>;
  for (const side of ['pos', 'neg'] as const) {
    const rec = await ctx.storage.get<MeansRecord>('activationMeans', meansId(runId, side));
    const wanted = new Set(pairs.map((p) => p[side].id));
    // Stored means that include a rollout no longer kept (e.g. another filter) cannot be reused.
    const usable = rec && rec.included.every((id) => wanted.has(id)) ? rec : undefined;
    state[side] = { acc: restore(usable, rows, hidden), included: new Set(usable?.included ?? []), empty: new Set(usable?.empty ?? []) };
  }
  const all = pairs.flatMap((p) => [p.pos, p.neg]);
  const todo = all.filter((r) => !state[r.side as Side].included.has(r.id) && !state[r.side as Side].empty.has(r.id));
  const progress = new PipelineProgressTracker(ctx, 'activations', all.length);
  progress.skip(all.length - todo.length);
  for (const batch of chunks(todo, opts.batchSize)) {
    checkCancelled(ctx.signal);
    const captured = await captureRows(
      ctx.engine,
      {
        rows: batch.map((r) => ({ prompt: questionPrompt(contextFormat(ctx), r), response: responseText(contextFormat(ctx), r.response) })),
        includeResid: true,
      },
      ctx.signal,
    );
    batch.forEach((r, b) => {
      const s = state[r.side as Side];
      const ro = rowReadouts(captured[b], rows, hidden);
      if (ro) {
        s.acc.add(ro);
        s.included.add(r.id);
      } else s.empty.add(r.id);
    });
    await ctx.storage.putMany(
      'activationMeans',
      (['pos', 'neg'] as const).map((side) => toRecord(runId, side, state[side].acc, [...state[side].included], [...state[side].empty])),
    );
    progress.advance(batch.length);
  }
  const { pos, neg } = { pos: state.pos.acc, neg: state.neg.acc };
  if (pos.count === 0 || neg.count === 0) {
    throw new PipelineError(
      'no_pairs',
      `no vector: ${pos.count} positive and ${neg.count} negative responses passed the filter`,
      'Use more questions or samples, a different judge, or judge "none".',
    );
  }
  const vectors = {} as Record<Readout, PersonaVector>;
  const records: VectorRecord[] = [];
  for (const k of READOUTS) {
    vectors[k] = personaVectorFrom(pos, neg, k, { modelId: ctx.info.id, trait: opts.trait });
    records.push({ id: vectorId(runId, k), runId, readout: k, vector: vectors[k], counts: { pos: pos.count, neg: neg.count } });
  }
  await ctx.storage.putMany('vectors', records);
  return { pos, neg, counts: { pos: pos.count, neg: neg.count, empty: state.pos.empty.size + state.neg.empty.size }, vectors };
}
