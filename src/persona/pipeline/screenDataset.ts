/**
 * Dataset screening on the engine (docs/ARCHITECTURE.md §4 "Data screening"): for each {prompt, response},
 *   ΔP      = (a(x, y) − a(x, y′))·v̂   with y′ the model's own greedy response (paper definition)
 *   ΔP_cheap = a(x, y)·v̂ − last-prompt-token projection   (no generation)
 * with a the response average at the chosen layer. Samples are ranked (percentiles) and those above
 * the flag percentile are flagged.
 */
import type { PromptInput } from '../../engine/api';
import { vectorRow, type PersonaVector } from '../personaVector';
import { dot, unit } from '../vectorMath';
import { rankProjectionDifferences, type ScreenSample } from '../screen';
import { contextFormat, questionPrompt, replyOf, responseText } from '../promptFormat';
import { captureRows, generateRows } from './engineCalls';
import { chunks, PipelineProgressTracker } from './progress';
import { residRow, rowOf, type MonitorContext } from './monitor';

export interface ScreenOptions {
  vector: PersonaVector;
  layer: number;
  /** full: generate y′ (paper); cheap: last-prompt-token variant only; both (default). */
  mode?: 'full' | 'cheap' | 'both';
  systemPrompt?: string | null;
  maxNewTokens?: number;
  batchSize?: number;
  flagPercentile?: number;
}

export interface ScreenRow {
  line: number;
  prompt: string;
  response: string;
  /** a(x, y)·v̂: response average of the dataset response. */
  projection: number;
  /** Last prompt token·v̂. */
  lastPromptProjection: number;
  deltaPCheap: number;
  /** Full ΔP and the model's own greedy response (modes full / both). */
  deltaP?: number;
  modelResponse?: string;
  modelProjection?: number;
  /** Percentile rank 0–100 of the ranking score (full ΔP when computed, else cheap). */
  percentile: number;
  flagged: boolean;
}

export interface ScreenReport {
  rows: ScreenRow[];
  ranking: 'full' | 'cheap';
  flagPercentile: number;
  threshold: number;
  /** Row indices ordered by the ranking score, highest first. */
  order: number[];
}

/** Response-average and last-prompt-token projections of (prompt, response) pairs at one row. */
async function projections(
  ctx: MonitorContext,
  items: { prompt: PromptInput; response: string }[],
  row: number,
  u: Float32Array,
  batchSize: number,
  progress: PipelineProgressTracker,
): Promise<{ avg: number; last: number }[]> {
  const H = ctx.info.hiddenSize;
  const out: { avg: number; last: number }[] = [];
  for (const batch of chunks(items, batchSize)) {
    const captured = await captureRows(ctx.engine, { rows: batch.map((it) => ({ prompt: it.prompt, response: it.response })) }, ctx.signal);
    for (const c of captured) {
      const slice = residRow(c, row, H);
      const last = dot(slice.subarray((c.promptLength - 1) * H, c.promptLength * H), u);
      const T = c.ids.length;
      let avg = NaN;
      if (T > c.promptLength) {
        let s = 0;
        for (let t = c.promptLength; t < T; t++) s += dot(slice.subarray(t * H, (t + 1) * H), u);
        avg = s / (T - c.promptLength);
      }
      out.push({ avg, last });
    }
    progress.advance(batch.length);
  }
  return out;
}

export async function screenDataset(ctx: MonitorContext, samples: ScreenSample[], opts: ScreenOptions): Promise<ScreenReport> {
  const mode = opts.mode ?? 'both';
  const batchSize = opts.batchSize ?? 16;
  const row = rowOf(ctx, opts.layer);
  const u = unit(vectorRow(opts.vector, row));
  const full = mode !== 'cheap';
  const progress = new PipelineProgressTracker(ctx, 'screen', samples.length * (full ? 3 : 1), full ? 'capture, generate, capture' : 'capture');
  const format = contextFormat(ctx);
  const prompts = samples.map((s) => questionPrompt(format, { system: opts.systemPrompt || null, user: s.prompt }));
  const data = await projections(
    ctx,
    samples.map((s, i) => ({ prompt: prompts[i], response: responseText(format, s.response) })),
    row,
    u,
    batchSize,
    progress,
  );
  let own: string[] | null = null;
  let ownProj: { avg: number; last: number }[] | null = null;
  if (full) {
    own = [];
    for (const batch of chunks(prompts, batchSize)) {
      const rows = await generateRows(
        ctx.engine,
        { rows: batch.map((prompt) => ({ prompt, steering: null })), maxNewTokens: opts.maxNewTokens ?? 64 },
        ctx.signal,
      );
      own.push(...rows.map((r) => replyOf(format, r.text)));
      progress.advance(batch.length);
    }
    ownProj = await projections(
      ctx,
      prompts.map((prompt, i) => ({ prompt, response: responseText(format, own![i]) })),
      row,
      u,
      batchSize,
      progress,
    );
  }
  const rows: ScreenRow[] = samples.map((s, i) => {
    const r: ScreenRow = {
      line: s.line,
      prompt: s.prompt,
      response: s.response,
      projection: data[i].avg,
      lastPromptProjection: data[i].last,
      deltaPCheap: data[i].avg - data[i].last,
      percentile: NaN,
      flagged: false,
    };
    if (own && ownProj) {
      r.modelResponse = own[i];
      r.modelProjection = ownProj[i].avg;
      r.deltaP = data[i].avg - ownProj[i].avg;
    }
    return r;
  });
  const ranking = full ? 'full' : 'cheap';
  const flagPercentile = opts.flagPercentile ?? 95;
  const ranked = rankProjectionDifferences(
    rows.map((r) => (ranking === 'full' ? r.deltaP! : r.deltaPCheap)),
    flagPercentile,
  );
  rows.forEach((r, i) => {
    r.percentile = ranked.percentiles[i];
    r.flagged = ranked.flagged[i];
  });
  return { rows, ranking, flagPercentile, threshold: ranked.threshold, order: ranked.order };
}
