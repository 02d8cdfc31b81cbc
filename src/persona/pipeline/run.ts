/**
 * The whole pipeline for one trait: rollouts → judging and filtering → activations and vectors →
 * held-out layer statistics → steering sweep → chosen layer (and the best way to steer). Each step
 * stores what it computes; running the same run again (same id) resumes from storage. The run
 * record (collection "runs") holds the trait, settings, judge id (never a key), status and a summary.
 */
import type { LayerStat } from '../layerStats';
import type { PersonaVector, Readout } from '../personaVector';
import type { TraitSet } from '../traitSet';
import { extractActivations } from './activations';
import type { Judge } from './judges';
import { bestCell, heldoutLayerStats, rankedCells, steeringSweep, type HeldoutStats, type SweepResult } from './layerChoice';
import { generateRollouts } from './rollouts';
import { firstSpecificCell, shuffledVectors, type ControlResult } from './specificity';
import type { SteerCellResult } from './steer';
import { filterScored, judgeRollouts, withScores } from './scoring';
import { PipelineError, resolveSettings, type PipelineContext, type PipelineSettings, type PipelineStep } from './types';

export interface PipelineRun {
  trait: TraitSet;
  judge: Judge;
  settings?: Partial<PipelineSettings>;
  /** Default: derived from the model, trait, settings and judge, so the same run resumes. */
  runId?: string;
}

export interface RunRecord {
  id: string;
  modelId: string;
  trait: TraitSet;
  settings: PipelineSettings;
  judge: string;
  status: 'running' | 'done' | 'cancelled' | 'failed';
  error?: string;
  createdAt: number;
  updatedAt: number;
  summary?: PipelineSummary;
}

export interface PipelineCounts {
  rollouts: { pos: number; neg: number };
  kept: number;
  dropped: number;
  dropReasons: Record<string, number>;
  activations: { pos: number; neg: number; empty: number };
  heldout: { pos: number; neg: number };
}

/** The storable part of a result (no vector data). */
export interface PipelineSummary {
  runId: string;
  modelId: string;
  trait: string;
  judge: string;
  readout: Readout;
  counts: PipelineCounts;
  /** Per-layer statistics of the chosen readout on held-out responses. */
  layerStats: LayerStat[];
  /** Suggested block from the statistics alone. */
  statsLayer: number | null;
  sweep: SweepResult | null;
  /** The sweep's best coherent layer for the run's readout when it beats the unsteered baseline, else statsLayer. */
  chosenLayer: number | null;
  /**
   * How to steer with this run's vectors: the sweep's best coherent cell over every readout and
   * position mode it tried (readout, layer, α, positions), when it beats the unsteered baseline
   * and, with sweep.controls, passes the shuffled-label controls.
   */
  steering: SteerCellResult | null;
  /** The cells checked with shuffled-label controls, in order (null without sweep.controls). */
  controls: ControlResult[] | null;
  timingsMs: Partial<Record<PipelineStep, number>>;
}

export interface PipelineResult extends PipelineSummary {
  /** The chosen readout's vector, meta.layer = chosenLayer. */
  vector: PersonaVector;
  vectors: Record<Readout, PersonaVector>;
  heldout: Record<Readout, HeldoutStats>;
}

/** At most this many of the sweep's best cells are checked with controls before giving up. */
const MAX_CONTROLLED_CELLS = 5;

/** A short stable hash (two FNV-1a 32-bit passes) for run ids. */
export function stableHash(text: string): string {
  let a = 0x811c9dc5,
    b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193 + 2);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/**
 * A run's id from what determines its rollouts (model, trait set, counts, sampling, seed), so that
 * the same run resumes. Judges, filters and sweeps may change between resumptions: scores are keyed
 * by judge, and what depends on the vector is keyed by the vector's hash.
 */
export function runIdFor(modelId: string, trait: TraitSet, s: PipelineSettings): string {
  const key = [
    modelId,
    trait,
    s.samples,
    s.maxNewTokens,
    s.samples > 1 ? s.temperature : 0,
    s.seed,
    s.maxExtractionQuestions ?? null,
    s.maxInstructions ?? null,
    s.maxEvaluationQuestions ?? null,
    s.evaluationInstructions,
    s.negativeName,
  ];
  return `run-${trait.name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40)}-${stableHash(JSON.stringify(key))}`;
}

/** Hash of a vector's values (keys results that depend on the vector). */
export function vectorHash(v: PersonaVector): string {
  const u = new Uint32Array(v.data.buffer, v.data.byteOffset, v.data.length);
  let a = 0x811c9dc5,
    b = 0x9747b28c;
  for (let i = 0; i < u.length; i++) {
    a = Math.imul(a ^ u[i], 0x01000193);
    b = Math.imul(b ^ (u[i] >>> 7), 0x5bd1e995);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

export async function runPipeline(ctx: PipelineContext, run: PipelineRun): Promise<PipelineResult> {
  const settings = resolveSettings(run.settings);
  const judge = run.judge;
  const id = run.runId ?? runIdFor(ctx.info.id, run.trait, settings);
  const spec = { id, trait: run.trait, settings };
  const now = Date.now();
  const existing = await ctx.storage.get<RunRecord>('runs', id);
  const record: RunRecord = {
    id,
    modelId: ctx.info.id,
    trait: run.trait,
    settings,
    judge: judge.id,
    status: 'running',
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  await ctx.storage.put('runs', record);
  const timingsMs: PipelineSummary['timingsMs'] = {};
  const timed = async <T>(step: PipelineStep, f: () => Promise<T>): Promise<T> => {
    const t = Date.now();
    try {
      return await f();
    } finally {
      timingsMs[step] = (timingsMs[step] ?? 0) + Date.now() - t;
    }
  };
  try {
    // 1. Rollouts (extraction and held-out evaluation questions).
    const extraction = await timed('rollouts', () => generateRollouts(ctx, spec, 'extraction'));
    const evaluation = await timed('rollouts', () => generateRollouts(ctx, spec, 'evaluation'));
    // 2. Judge and filter.
    const scores = await timed('judge', () => judgeRollouts(ctx, [...extraction, ...evaluation], judge));
    const filtered = filterScored(withScores(extraction, scores), judge.kind, settings.filter);
    const dropReasons: Record<string, number> = {};
    for (const d of filtered.dropped) for (const r of d.reasons) dropReasons[r] = (dropReasons[r] ?? 0) + 1;
    if (filtered.kept.length === 0) {
      throw new PipelineError(
        'no_pairs',
        `no pair passed the filter (${filtered.dropped.length} dropped: ${Object.entries(dropReasons)
          .map(([k, v]) => `${k} ×${v}`)
          .join(', ')})`,
        'Check the trait prompts, use more questions or samples, or use judge "none".',
      );
    }
    // 3. Activations and vectors.
    const act = await timed('activations', () => extractActivations(ctx, id, filtered.kept, { batchSize: settings.batchSize, trait: run.trait.name }));
    // 4. Layer choice: held-out statistics, then the steering sweep.
    const heldFilter = filterScored(withScores(evaluation, scores), judge.kind, settings.filter);
    const heldRollouts = heldFilter.kept.length ? heldFilter.kept.flatMap((p) => [p.pos, p.neg]) : evaluation;
    const vkey = `${id}:v${vectorHash(act.vectors.response_avg)}`;
    const heldout = await timed('heldout', () => heldoutLayerStats(ctx, vkey, heldRollouts, act.vectors, settings.batchSize));
    const chosen = heldout[settings.readout];
    let sweep: SweepResult | null = null;
    const coherenceMin = settings.sweep?.coherenceMin ?? 50;
    if (settings.sweep && judge.kind !== 'none') {
      const s = { ...settings.sweep, readouts: settings.sweep.readouts ?? [settings.readout] };
      sweep = await timed('sweep', () =>
        steeringSweep(ctx, (v) => `${id}:v${vectorHash(v)}`, act.vectors, run.trait.evaluation_questions, judge, s, {
          batchSize: settings.batchSize,
          maxNewTokens: settings.maxNewTokens,
        }),
      );
    }
    // The sweep decides only when steering raised the judged score above the unsteered baseline.
    const baselineCell = sweep?.cells.find((c) => c.layer === null);
    const baseline = baselineCell?.trait ?? null;
    const beatsBaseline = (c: SteerCellResult | null | undefined): c is SteerCellResult => !!c && c.trait !== null && (baseline === null || c.trait > baseline);
    const ownBest = sweep
      ? bestCell(
          sweep.cells.filter((c) => c.readout === settings.readout),
          coherenceMin,
        )
      : null;
    const chosenLayer = beatsBaseline(ownBest) ? ownBest.layer : chosen.suggested;
    let steering = beatsBaseline(sweep?.best) ? sweep!.best : null;
    let controls: ControlResult[] | null = null;
    const s = settings.sweep;
    if (sweep && baselineCell && s?.controls && steering) {
      const candidates = rankedCells(sweep.cells, coherenceMin).filter(beatsBaseline).slice(0, MAX_CONTROLLED_CELLS);
      const checked = await timed('sweep', async () =>
        firstSpecificCell(ctx, {
          runId: vkey,
          candidates,
          baseline: baselineCell,
          real: act.vectors,
          controls: await shuffledVectors(ctx, id, filtered.kept, s.controls!, settings.seed, settings.batchSize),
          questions: run.trait.evaluation_questions.slice(0, s.maxQuestions ?? Infinity),
          systemPrompt: s.systemPrompt,
          judge,
          maxNewTokens: s.maxNewTokens ?? settings.maxNewTokens,
          batchSize: settings.batchSize,
          maxRise: s.controlMaxRise ?? 20,
        }),
      );
      steering = checked.best;
      controls = checked.checked;
    }
    const summary: PipelineSummary = {
      runId: id,
      modelId: ctx.info.id,
      trait: run.trait.name,
      judge: judge.id,
      readout: settings.readout,
      counts: {
        rollouts: { pos: extraction.filter((r) => r.side === 'pos').length, neg: extraction.filter((r) => r.side === 'neg').length },
        kept: filtered.kept.length,
        dropped: filtered.dropped.length,
        dropReasons,
        activations: act.counts,
        heldout: chosen.counts,
      },
      layerStats: chosen.stats,
      statsLayer: chosen.suggested,
      sweep,
      chosenLayer,
      steering,
      controls,
      timingsMs,
    };
    const withLayer = (v: PersonaVector): PersonaVector => ({ ...v, meta: { ...v.meta, layer: chosenLayer ?? undefined } });
    await ctx.storage.put('runs', { ...record, status: 'done', updatedAt: Date.now(), summary } satisfies RunRecord);
    const vectors = Object.fromEntries(Object.entries(act.vectors).map(([k, v]) => [k, withLayer(v)])) as Record<Readout, PersonaVector>;
    return { ...summary, vector: vectors[settings.readout], vectors, heldout };
  } catch (e) {
    const cancelled = e instanceof PipelineError && e.code === 'cancelled';
    await ctx.storage
      .put('runs', { ...record, status: cancelled ? 'cancelled' : 'failed', error: (e as Error)?.message, updatedAt: Date.now() } satisfies RunRecord)
      .catch(() => {});
    throw e;
  }
}

/** Stored runs, newest first (for a "resume" list in the UI). */
export async function listRuns(storage: PipelineContext['storage']): Promise<RunRecord[]> {
  return (await storage.list<RunRecord>('runs')).sort((a, b) => b.updatedAt - a.updatedAt);
}

/**
 * Resumes a stored run (after a reload, crash or cancel) with its stored trait set and settings.
 * The judge is passed again because its configuration (e.g. an API key) is never stored; scores
 * are keyed by judge id, so another judge scores afresh.
 */
export async function resumeRun(ctx: PipelineContext, runId: string, judge: Judge): Promise<PipelineResult> {
  const rec = await ctx.storage.get<RunRecord>('runs', runId);
  if (!rec) throw new PipelineError('bad_input', `no stored run "${runId}"`);
  if (rec.modelId !== ctx.info.id)
    throw new PipelineError('bad_input', `run "${runId}" was made with model ${rec.modelId}, but ${ctx.info.id} is loaded`, 'Load that model first.');
  return runPipeline(ctx, { trait: rec.trait, judge, settings: rec.settings, runId });
}
