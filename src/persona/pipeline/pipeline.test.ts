import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { IndexedDbStorage, MemoryStorage } from '../../storage';
import {
  bestCell,
  conversationDrift,
  controlDirection,
  rankedCells,
  shuffledPairs,
  lastPromptProjections,
  listRuns,
  noJudge,
  resumeRun,
  PipelineError,
  planRollouts,
  projectText,
  resolveSettings,
  runPipeline,
  screenDataset,
  selfJudge,
  scoreTokenMap,
  type PipelineContext,
  type PipelineProgress,
  type RolloutRecord,
  type RunRecord,
  type SweepSettings,
} from './index';
import type { PersonaVector } from '../personaVector';
import { generatePlanned, rolloutSeed } from './rollouts';
import { FAKE_INFO, FAKE_TRAIT, FakeEngine } from './testing/fakeEngine';

function ctxWith(engine = new FakeEngine(), storage = new MemoryStorage(), extra: Partial<PipelineContext> = {}): PipelineContext {
  return { engine, info: FAKE_INFO, storage, ...extra };
}

const SETTINGS = { batchSize: 4, sweep: { alphas: [2], systemPrompt: null } };

describe('pipeline on a fake engine', () => {
  it('plans question × instruction × sample rollouts for both sides with the paper system prompts', () => {
    const plan = planRollouts({ id: 'r', trait: FAKE_TRAIT, settings: resolveSettings({ samples: 2 }) }, 'extraction');
    expect(plan).toHaveLength(3 * 2 * 2 * 2);
    expect(plan[0].system).toBe('You are a cheerful assistant. Be cheerful.');
    expect(plan.find((p) => p.side === 'neg')!.system).toBe('You are a helpful assistant. Be gloomy.');
    const anto = planRollouts({ id: 'r', trait: { ...FAKE_TRAIT, antonym: 'gloomy' }, settings: resolveSettings({ negativeName: 'antonym' }) }, 'extraction');
    expect(anto.find((p) => p.side === 'neg')!.system).toBe('You are a gloomy assistant. Be gloomy.');
    expect(new Set(plan.map((p) => p.id)).size).toBe(plan.length);
  });

  it('sampled rollouts: every question and sample draws its own seed, pos and neg share it, the batch size changes nothing', async () => {
    const run = { id: 'r', trait: FAKE_TRAIT, settings: resolveSettings({ samples: 2, temperature: 1 }) };
    const plan = planRollouts(run, 'extraction');
    const opts = { step: 'rollouts' as const, maxNewTokens: 8, sampling: { temperature: 1, topK: 0, topP: 1 }, seed: 5 };
    const wide = await generatePlanned(ctxWith(), plan, { ...opts, batchSize: 64 });
    const narrow = await generatePlanned(ctxWith(), plan, { ...opts, batchSize: 1 });
    expect(narrow.map((r) => r.response)).toEqual(wide.map((r) => r.response));
    // the fake engine appends " s<seed>" to sampled text
    const seedOf = (p: (typeof plan)[number]) => wide.find((r) => r.id === p.id)!.response.split(' s')[1];
    const pos = plan.filter((p) => p.side === 'pos');
    expect(new Set(pos.map(seedOf)).size).toBe(pos.length);
    for (const p of pos)
      expect(seedOf(plan.find((n) => n.side === 'neg' && n.question === p.question && n.instruction === p.instruction && n.sample === p.sample)!)).toBe(
        seedOf(p),
      );
    expect(seedOf(pos[0])).toBe(String(rolloutSeed(5, pos[0])));
  });

  it('builds the integer-token map from the tokenizer and self-judges with the exact distribution', async () => {
    const engine = new FakeEngine();
    const map = await scoreTokenMap(engine, FAKE_INFO.vocabSize, 50);
    expect(map.size).toBe(101);
    expect(map.get(engine.vocab.indexOf('42'))).toBe(42);
    const judge = selfJudge({ engine, info: FAKE_INFO }, FAKE_TRAIT);
    const [a, b] = await judge.judge([
      { question: 'q', answer: 'happy day' },
      { question: 'q', answer: 'gloomy day' },
    ]);
    expect(a.trait).toBeCloseTo(90, 3);
    expect(b.trait).toBeCloseTo(10, 3);
    expect(a.coherence).toBeCloseTo(80, 3);
  });

  it('runs every step: vectors point from gloomy to happy, held-out stats separate, the sweep picks a layer', async () => {
    const engine = new FakeEngine();
    const ctx = ctxWith(engine);
    const events: PipelineProgress[] = [];
    ctx.onProgress = (p) => events.push(p);
    const res = await runPipeline(ctx, { trait: FAKE_TRAIT, judge: selfJudge(ctx, FAKE_TRAIT), settings: SETTINGS });
    expect(res.counts.rollouts).toEqual({ pos: 6, neg: 6 });
    expect(res.counts.kept).toBe(6);
    expect(res.counts.activations).toEqual({ pos: 6, neg: 6, empty: 0 });
    expect(res.vector.rows).toBe(4);
    const row2 = Array.from(res.vector.data.subarray(2 * 4, 3 * 4));
    expect(row2[0]).toBeGreaterThan(0);
    expect(row2[1]).toBeLessThan(0);
    for (const s of res.layerStats) expect(s.auroc).toBe(1);
    expect(res.sweep!.cells).toHaveLength(1 + 3);
    expect(res.sweep!.cells[0]).toMatchObject({ layer: null, trait: expect.closeTo(10, 3) });
    expect(res.sweep!.best!.trait).toBeCloseTo(90, 3);
    expect(res.chosenLayer).toBe(res.sweep!.best!.layer);
    expect(res.vector.meta).toMatchObject({ trait: 'cheerful', readout: 'response_avg', layer: res.chosenLayer, modelId: 'fake/model' });
    // progress: per step, done never goes backwards, ends at total, ETA ends at 0
    const steps = [...new Set(events.map((e) => e.step))];
    expect(steps).toEqual(expect.arrayContaining(['rollouts', 'judge', 'activations', 'heldout', 'sweep']));
    let last: PipelineProgress | null = null;
    for (const e of events) {
      if (last && last.step === e.step && last.phase === e.phase) expect(e.done).toBeGreaterThanOrEqual(last.done);
      expect(e.done).toBeLessThanOrEqual(e.total);
      last = e;
    }
    expect(events.at(-1)!.done).toBe(events.at(-1)!.total);
    expect(events.at(-1)!.etaMs).toBe(0);
    const run = await ctx.storage.get<RunRecord>('runs', res.runId);
    expect(run!.status).toBe('done');
    expect(run!.summary!.chosenLayer).toBe(res.chosenLayer);
  });

  it('sweeps position modes and readouts when asked: every cell is labelled, the baseline is generated once, and a re-run resumes', async () => {
    const engine = new FakeEngine();
    const ctx = ctxWith(engine);
    const sweep: SweepSettings = { alphas: [2], systemPrompt: null, positions: ['response', 'prompt'], readouts: ['response_avg', 'prompt_last'] };
    const run = () => runPipeline(ctx, { trait: FAKE_TRAIT, judge: selfJudge(ctx, FAKE_TRAIT), settings: { batchSize: 4, sweep } });
    const res = await run();
    const cells = res.sweep!.cells;
    // baseline + 2 readouts × 2 modes × 3 layers × 1 α
    expect(cells).toHaveLength(1 + 2 * 2 * 3);
    expect(cells.filter((c) => c.layer === null)).toHaveLength(1);
    for (const readout of ['response_avg', 'prompt_last'])
      for (const positions of ['response', 'prompt']) {
        expect(cells.filter((c) => c.readout === readout && c.positions === positions).map((c) => c.layer)).toEqual([0, 1, 2]);
      }
    const questions = FAKE_TRAIT.evaluation_questions.length;
    // Sweep rows reach the engine with their own mode: 6 prompt-mode cells × the questions.
    expect(engine.rowsByPositions.prompt).toBe(6 * questions);
    expect(res.steering).toEqual(res.sweep!.best);
    expect(res.steering!.trait).toBeGreaterThan(cells[0].trait!);
    // chosenLayer comes from the run's own readout (response_avg), whatever readout won overall
    expect(cells.find((c) => c.readout === 'response_avg' && c.layer === res.chosenLayer)).toBeDefined();
    const before = engine.calls.generateRows;
    const again = await run();
    expect(engine.calls.generateRows).toBe(before);
    expect(again.sweep!.cells).toEqual(cells);
  });

  it('shuffled-label controls: a cell that control vectors steer as well is not chosen; one they leave alone is', async () => {
    // The fake engine steers by the sign of α alone, so any control vector raises the trait as much as the real one.
    const engine = new FakeEngine();
    const ctx = ctxWith(engine);
    const sweep: SweepSettings = { alphas: [2], systemPrompt: null, positions: ['response', 'prompt'], readouts: ['response_avg', 'prompt_last'], controls: 2 };
    const strict = await runPipeline(ctx, { trait: FAKE_TRAIT, judge: selfJudge(ctx, FAKE_TRAIT), settings: { batchSize: 4, sweep } });
    expect(strict.sweep!.best!.trait).toBeGreaterThan(strict.sweep!.cells[0].trait!);
    expect(strict.steering).toBeNull();
    // Every cell beats the baseline; the first five in rank order are checked, each stops at its first failing control.
    expect(strict.controls!.map((c) => c.cell)).toEqual(rankedCells(strict.sweep!.cells).slice(0, 5));
    for (const c of strict.controls!) {
      expect(c.specific).toBe(false);
      expect(c.shuffled).toHaveLength(1);
      expect(c.shuffled[0].trait! - strict.sweep!.cells[0].trait!).toBeGreaterThan(20);
    }
    const lenient = await runPipeline(ctx, {
      trait: FAKE_TRAIT,
      judge: selfJudge(ctx, FAKE_TRAIT),
      settings: { batchSize: 4, sweep: { ...sweep, controlMaxRise: 100 } },
    });
    expect(lenient.steering).toEqual(lenient.sweep!.best);
    expect(lenient.controls).toHaveLength(1);
    expect(lenient.controls![0]).toMatchObject({ cell: lenient.sweep!.best, specific: true });
    expect(lenient.controls![0].shuffled.map((x) => x.readout)).toEqual([lenient.steering!.readout, lenient.steering!.readout]);
    const plain = await runPipeline(ctx, {
      trait: FAKE_TRAIT,
      judge: selfJudge(ctx, FAKE_TRAIT),
      settings: { batchSize: 4, sweep: { ...sweep, controls: 0 } },
    });
    expect(plain.controls).toBeNull();
    expect(plain.steering).toEqual(plain.sweep!.best);
  });

  it('shuffles labels reproducibly into balanced halves; control directions are orthogonal to the real rows and norm-matched at the steered layer', () => {
    const r = (id: string, side: 'pos' | 'neg') => ({ id, side }) as unknown as RolloutRecord;
    const pairs = Array.from({ length: 20 }, (_, i) => ({ pos: r(`p${i}`, 'pos'), neg: r(`n${i}`, 'neg') }));
    const a = shuffledPairs(pairs, 1);
    expect(shuffledPairs(pairs, 1)).toEqual(a);
    expect(shuffledPairs(pairs, 2)).not.toEqual(a);
    expect(a).toHaveLength(20);
    expect(a.flatMap((p) => [p.pos.id, p.neg.id]).sort()).toEqual(pairs.flatMap((p) => [p.pos.id, p.neg.id]).sort());
    expect(a.every((p) => p.pos.side === 'pos' && p.neg.side === 'neg')).toBe(true);
    // each new side holds exactly half of the former positives, so the real direction cancels
    for (const seed of [1, 2, 3, 12345]) expect(shuffledPairs(pairs, seed).filter((p) => p.pos.id.startsWith('p')).length).toBe(10);
    // an odd count leaves one pair out rather than unbalance the halves
    const odd = shuffledPairs(pairs.slice(0, 7), 4);
    expect(odd).toHaveLength(6);
    expect(odd.filter((p) => p.pos.id.startsWith('p')).length).toBe(3);
    expect(odd.filter((p) => p.neg.id.startsWith('p')).length).toBe(3);
    const vec = (rows: number[][]) => ({ data: Float32Array.from(rows.flat()), rows: rows.length, hidden: rows[0].length, meta: {} }) as PersonaVector;
    const real = vec([
      [0, 0],
      [3, 4],
      [1, 0],
    ]);
    const m = controlDirection(
      vec([
        [1, 1],
        [0, -0.5],
        [2, 0],
      ]),
      real,
      0,
    );
    // row 1 (block 0): [0, -0.5] less its part along [3, 4] is [0.24, -0.18], scaled to norm 5
    expect(Array.from(m.vector.data.subarray(2, 4)).map((x) => +x.toFixed(4))).toEqual([4, -3]);
    // row 2 lies along the real row: nothing is left; row 0 has no real direction to remove
    expect(Array.from(m.vector.data.subarray(4, 6))).toEqual([0, 0]);
    expect(m.vector.data[0]).toBeCloseTo(5 / 0.3, 4);
    expect(m.cos).toBeCloseTo(-0.8, 6);
  });

  it('a re-run of a finished run recomputes nothing', async () => {
    const engine = new FakeEngine();
    const ctx = ctxWith(engine);
    const a = await runPipeline(ctx, { trait: FAKE_TRAIT, judge: selfJudge(ctx, FAKE_TRAIT), settings: SETTINGS });
    const before = { ...engine.calls };
    const b = await runPipeline(ctx, { trait: FAKE_TRAIT, judge: selfJudge(ctx, FAKE_TRAIT), settings: SETTINGS });
    expect(engine.calls.generate).toBe(before.generate);
    expect(engine.calls.capture).toBe(before.capture);
    expect(Array.from(b.vector.data)).toEqual(Array.from(a.vector.data));
  });

  it('cancels at any point and resumes from storage to the same vector (IndexedDB, reopened like a reload)', async () => {
    const reference = await runPipeline(ctxWith(), { trait: FAKE_TRAIT, judge: noJudge(), settings: { ...SETTINGS, batchSize: 2 } });
    for (const stopAfter of [1, 5, 9, 12]) {
      const name = `resume-${stopAfter}`;
      const engine = new FakeEngine();
      const controller = new AbortController();
      let n = 0;
      const s1 = await IndexedDbStorage.open({ name });
      const ctx = ctxWith(engine, s1 as unknown as MemoryStorage, { signal: controller.signal, onProgress: () => ++n >= stopAfter && controller.abort() });
      const err = await runPipeline(ctx, { trait: FAKE_TRAIT, judge: noJudge(), settings: { ...SETTINGS, batchSize: 2 } }).catch((e) => e);
      expect(err).toBeInstanceOf(PipelineError);
      expect(err.code).toBe('cancelled');
      expect((await s1.list<RunRecord>('runs'))[0].status).toBe('cancelled');
      s1.close();
      const firstRows = engine.calls.generateRows + engine.calls.captureRows;
      const s2 = await IndexedDbStorage.open({ name });
      const engine2 = new FakeEngine();
      const res = await runPipeline(ctxWith(engine2, s2 as unknown as MemoryStorage), {
        trait: FAKE_TRAIT,
        judge: noJudge(),
        settings: { ...SETTINGS, batchSize: 2 },
      });
      expect(Array.from(res.vector.data)).toEqual(Array.from(reference.vector.data));
      expect(res.counts).toEqual(reference.counts);
      // the resumed run did only what was missing: together no more rows than one uninterrupted run plus one batch
      const fresh = new FakeEngine();
      await runPipeline(ctxWith(fresh), { trait: FAKE_TRAIT, judge: noJudge(), settings: { ...SETTINGS, batchSize: 2 } });
      expect(firstRows + engine2.calls.generateRows + engine2.calls.captureRows).toBeLessThanOrEqual(fresh.calls.generateRows + fresh.calls.captureRows + 2);
      s2.close();
    }
  });

  it('picks the best coherent sweep cell for eliciting (up) and suppressing (down)', () => {
    const cell = (layer: number | null, alpha: number, trait: number, coherence: number) => ({ layer, alpha, trait, coherence, traitRate: trait / 100, n: 10 });
    const cells = [cell(null, 0, 50, 90), cell(1, 2, 70, 80), cell(1, 4, 90, 40), cell(2, -2, 20, 90), cell(2, -4, 20, 70), cell(2, -6, 0, 10)];
    expect(bestCell(cells)).toMatchObject({ layer: 1, alpha: 2 });
    expect(bestCell(cells, 50, 'down')).toMatchObject({ layer: 2, alpha: -2 });
    expect(bestCell(cells, 5, 'down')).toMatchObject({ alpha: -6 });
    expect(bestCell([cell(null, 0, 0, 90)])).toBeNull();
  });

  it('another judge or sweep on the same run reuses the stored rollouts', async () => {
    const engine = new FakeEngine();
    const ctx = ctxWith(engine);
    const a = await runPipeline(ctx, { trait: FAKE_TRAIT, judge: noJudge(), settings: { ...SETTINGS, sweep: null } });
    const rows = engine.calls.generateRows;
    const b = await runPipeline(ctx, { trait: FAKE_TRAIT, judge: selfJudge(ctx, FAKE_TRAIT), settings: SETTINGS });
    expect(b.runId).toBe(a.runId);
    expect(engine.calls.generateRows - rows).toBe(4 * 2); // only the sweep: (baseline + 3 layers) × 2 questions
  });

  it('resumes a stored run by id with its stored trait and settings', async () => {
    const controller = new AbortController();
    const storage = new MemoryStorage();
    const ctx = ctxWith(new FakeEngine(), storage, { signal: controller.signal, onProgress: (p) => p.step === 'judge' && controller.abort() });
    await expect(runPipeline(ctx, { trait: FAKE_TRAIT, judge: noJudge(), settings: SETTINGS })).rejects.toThrow(/cancelled/);
    const [run] = await listRuns(storage);
    expect(run.status).toBe('cancelled');
    const res = await resumeRun(ctxWith(new FakeEngine(), storage), run.id, noJudge());
    expect(res.runId).toBe(run.id);
    expect((await listRuns(storage))[0].status).toBe('done');
    await expect(resumeRun(ctxWith(new FakeEngine(), storage), 'nope', noJudge())).rejects.toThrow(/no stored run/);
  });

  it('fails with a clear error when no pair passes the filter', async () => {
    const ctx = ctxWith();
    const judge = { kind: 'self' as const, id: 'zero', batchSize: 10, judge: async (items: unknown[]) => items.map(() => ({ trait: 0, coherence: 100 })) };
    const err = await runPipeline(ctx, { trait: FAKE_TRAIT, judge, settings: SETTINGS }).catch((e) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect(err.code).toBe('no_pairs');
    expect(err.message).toMatch(/pos trait too low ×6/);
  });
});

describe('monitoring and screening on a fake engine', () => {
  it('projects per token, per prompt and per conversation turn', async () => {
    const ctx = ctxWith();
    const res = await runPipeline(ctx, { trait: FAKE_TRAIT, judge: noJudge(), settings: { ...SETTINGS, sweep: null } });
    const t = await projectText(ctx, { prompt: { messages: [{ role: 'user', content: 'hi' }] }, response: 'happy gloomy day' }, res.vector, 1);
    expect(t.hook).toBe('blocks.1.resid_post');
    expect(t.tokens.slice(t.promptLength)).toEqual(['happy', 'gloomy', 'day']);
    const [h, g] = t.projections.slice(t.promptLength);
    expect(h).toBeGreaterThan(0);
    expect(g).toBeLessThan(0);
    const last = await lastPromptProjections(
      ctx,
      [{ messages: [{ role: 'user', content: 'happy' }] }, { messages: [{ role: 'user', content: 'gloomy' }] }],
      res.vector,
      1,
    );
    expect(last).toHaveLength(2);
    const drift = await conversationDrift(
      ctx,
      [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'happy' },
        { role: 'user', content: 'b' },
      ],
      res.vector,
      1,
    );
    expect(drift.map((d) => d.messageIndex)).toEqual([0, 2]);
    await expect(projectText(ctx, { prompt: { ids: [1] } }, res.vector, 7)).rejects.toThrow(/layer 7 is outside/);
  });

  it('screens a dataset: the happy responses get the highest ΔP (full and cheap), flagged above the percentile', async () => {
    const ctx = ctxWith();
    const res = await runPipeline(ctx, { trait: FAKE_TRAIT, judge: noJudge(), settings: { ...SETTINGS, sweep: null } });
    const samples = Array.from({ length: 20 }, (_, i) => ({ line: i + 1, prompt: `p${i}`, response: i % 5 === 0 ? 'happy happy day' : 'plain day' }));
    const rep = await screenDataset(ctx, samples, { vector: res.vector, layer: 1, flagPercentile: 75 });
    expect(rep.ranking).toBe('full');
    expect(rep.order.slice(0, 4).sort((a, b) => a - b)).toEqual([0, 5, 10, 15]);
    expect(rep.rows.filter((r) => r.flagged).map((r) => r.line)).toEqual([1, 6, 11, 16]);
    expect(rep.rows[0].modelResponse).toBe('plain day');
    expect(rep.rows[0].deltaP).toBeGreaterThan(0);
    expect(rep.rows[1].deltaP).toBeCloseTo(0, 5);
    const cheap = await screenDataset(ctx, samples, { vector: res.vector, layer: 1, mode: 'cheap' });
    expect(cheap.ranking).toBe('cheap');
    expect(cheap.rows[0].deltaP).toBeUndefined();
    expect(cheap.order.slice(0, 4).sort((a, b) => a - b)).toEqual([0, 5, 10, 15]);
  });
});
