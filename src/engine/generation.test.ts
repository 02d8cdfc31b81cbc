/**
 * The generation loop: batching (an unsteered row beside a steered one, left padding) gives the
 * same greedy tokens as solo runs; seeded sampling is reproducible; stop tokens end a row; cancel
 * stops within one step. Runs on the demo model (fp32) and, for batching, on the fused fp16 fixture.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from './engine';
import { forward, KvCache } from './forward';
import { generate, type StepEvent } from './generate';
import type { LoadedModel } from './loadModel';
import type { SamplingSettings } from './sampling';
import { GREEDY } from './sampling';
import type { SteeringTerm } from './steering';
import { loadLocalEngine, seededFloats } from './testing/models';
import { DEMO_MODEL_DIR, FUSED_FIXTURE_DIR, hasDemoModel } from './testing/paths';

const models = [
  { name: 'demo model (decomposed, fp32)', dir: DEMO_MODEL_DIR, present: hasDemoModel(), long: [1, 300, 45, 700, 12, 99, 5], short: [1, 77, 500] },
  { name: 'fused fixture (fp16)', dir: FUSED_FIXTURE_DIR, present: true, long: [1, 15043, 29892, 920, 526, 366, 2599], short: [1, 3681, 338] },
];

for (const c of models) {
  describe.skipIf(!c.present)(`batching on the ${c.name}`, () => {
    let engine: Engine;
    let model: LoadedModel;
    let strong: SteeringTerm;
    beforeAll(async () => {
      ({ engine } = await loadLocalEngine(c.dir));
      model = engine.loaded;
      const { hiddenSize: H, numLayers: L } = model.info;
      // A large push into the middle of the model, so the steered row visibly changes course.
      strong = { layer: Math.floor(L / 2), vector: seededFloats(H, 11), alpha: c.dir === DEMO_MODEL_DIR ? 30 : 10 };
    });
    afterAll(() => engine?.unload());

    const N = 8;
    const run = (prompts: number[][], steering?: (SteeringTerm[] | null)[]) => generate(model, { prompts, steering, maxNewTokens: N, stopTokenIds: [] });

    it('[unsteered, steered]: row 0 equals a solo unsteered run (greedy); row 1 differs', async () => {
      const solo = await run([c.long]);
      const batch = await run([c.long, c.long], [null, [strong]]);
      expect(batch.tokens[0]).toEqual(solo.tokens[0]);
      expect(batch.tokens[0].length).toBe(N);
      expect(batch.tokens[1]).not.toEqual(batch.tokens[0]);
      // The steered row alone gives the same tokens as in the batch.
      const soloSteered = await run([c.long], [[strong]]);
      expect(batch.tokens[1]).toEqual(soloSteered.tokens[0]);
    });

    it('left padding: two prompts of different lengths give the same tokens as solo runs', async () => {
      const batch = await run([c.long, c.short]);
      const soloLong = await run([c.long]);
      const soloShort = await run([c.short]);
      expect(batch.tokens[0]).toEqual(soloLong.tokens[0]);
      expect(batch.tokens[1]).toEqual(soloShort.tokens[0]);
    });
  });
}

describe.skipIf(!hasDemoModel())('sampling, stop tokens and cancel on the demo model', () => {
  let engine: Engine;
  let model: LoadedModel;
  const prompt = [1, 300, 45, 700, 12, 99, 5];
  beforeAll(async () => {
    ({ engine } = await loadLocalEngine(DEMO_MODEL_DIR));
    model = engine.loaded;
  });
  afterAll(() => engine?.unload());

  const sample = (sampling: SamplingSettings, seed: number, n = 12) =>
    generate(model, { prompts: [prompt, prompt], sampling, seed, maxNewTokens: n, stopTokenIds: [] }).then((r) => r.tokens);

  it.each([
    ['temperature 1', { temperature: 1, topK: 0, topP: 1 }],
    ['top-k 20', { temperature: 1, topK: 20, topP: 1 }],
    ['top-p 0.9', { temperature: 1, topK: 0, topP: 0.9 }],
  ] as const)('%s: same seed, same tokens', async (_, sampling) => {
    const a = await sample(sampling, 42);
    const b = await sample(sampling, 42);
    expect(a).toEqual(b);
    expect(a[0].length).toBe(12);
  });

  it('rows share the request seed unless they carry their own: then each row samples as it would alone', async () => {
    const T1: SamplingSettings = { temperature: 1.5, topK: 0, topP: 1 };
    const shared = await sample(T1, 7, 16);
    // one prompt twice on one seed: the same random numbers, the same tokens
    expect(shared[1]).toEqual(shared[0]);
    const own = (await generate(model, { prompts: [prompt, prompt], sampling: T1, seed: 7, rowSeeds: [3, undefined], maxNewTokens: 16, stopTokenIds: [] }))
      .tokens;
    expect(own[1]).toEqual(shared[0]);
    expect(own[0]).not.toEqual(shared[0]);
    expect(own[0]).toEqual((await sample(T1, 3, 16))[0]);
    // through the engine API: GenerateRow.seed
    const res = await engine.generate({
      rows: [
        { prompt: { ids: prompt }, steering: null, seed: 3 },
        { prompt: { ids: prompt }, steering: null },
      ],
      sampling: T1,
      seed: 7,
      maxNewTokens: 4,
    });
    expect(res.rows[0].tokenIds).toEqual(own[0].slice(0, res.rows[0].tokenIds.length));
    expect(res.rows[1].tokenIds).toEqual(shared[0].slice(0, res.rows[1].tokenIds.length));
  });

  it('different seeds give different samples at temperature 1 (so the seed is used)', async () => {
    const a = await sample({ temperature: 1.5, topK: 0, topP: 1 }, 1, 16);
    const b = await sample({ temperature: 1.5, topK: 0, topP: 1 }, 2, 16);
    expect(a[0]).not.toEqual(b[0]);
  });

  it('top-k 1 and a tiny top-p are greedy; top-k 3 only ever picks one of the 3 most likely tokens', async () => {
    const greedy = await sample(GREEDY, 0);
    expect(await sample({ temperature: 1, topK: 1, topP: 1 }, 5)).toEqual(greedy);
    expect(await sample({ temperature: 1, topK: 0, topP: 1e-6 }, 5)).toEqual(greedy);
    const tokens = (await sample({ temperature: 2, topK: 3, topP: 1 }, 9))[0];
    const ids = [...prompt, ...tokens.slice(0, -1)];
    const out = await forward(model, {
      ids: [ids],
      attentionMask: [ids.map(() => 1)],
      positionIds: [ids.map((_, i) => i)],
      past: KvCache.empty(model, 1),
      readouts: ['logits'],
    });
    out.present.dispose();
    const V = model.config.vocabSize;
    tokens.forEach((token, k) => {
      const row = out.readouts.logits!.subarray((prompt.length - 1 + k) * V, (prompt.length + k) * V);
      const rank = Array.from(row).filter((x) => x > row[token]).length;
      expect(rank, `token ${k}`).toBeLessThan(3);
    });
  });

  it('a stop token ends its row; the other row continues and later steps report -1 for the stopped row', async () => {
    // Sampled rows are varied and reproducible (one seeded generator per row), so a run with a stop
    // token must give, per row, the free run's tokens up to and including the first stop token.
    const other = [1, 77, 500];
    const settings = { prompts: [prompt, other], maxNewTokens: 10, sampling: { temperature: 1, topK: 0, topP: 1 }, seed: 5 };
    const free = await generate(model, { ...settings, stopTokenIds: [] });
    const stop = free.tokens[0].slice(1).find((t) => !free.tokens[1].includes(t)) ?? free.tokens[0][1];
    const events: StepEvent[] = [];
    const res = await generate(model, { ...settings, stopTokenIds: [stop], onStep: (e) => events.push(e) });
    const cut = free.tokens.map((row) => row.indexOf(stop));
    expect(cut[0]).toBeGreaterThanOrEqual(0);
    free.tokens.forEach((row, b) => {
      expect(res.tokens[b], `row ${b}`).toEqual(cut[b] < 0 ? row : row.slice(0, cut[b] + 1));
      expect(res.finish[b]).toBe(cut[b] < 0 ? 'length' : 'stop');
    });
    expect(events.length).toBe(Math.max(...res.tokens.map((t) => t.length)));
    for (const e of events.slice(cut[0] + 1)) expect(e.tokens[0]).toBe(-1);
  });

  it('all rows stopping ends generation early', async () => {
    const free = await generate(model, { prompts: [prompt], maxNewTokens: 6, stopTokenIds: [] });
    const res = await generate(model, { prompts: [prompt], maxNewTokens: 6, stopTokenIds: [free.tokens[0][0]] });
    expect(res.tokens[0]).toEqual([free.tokens[0][0]]);
    expect(res.finish).toEqual(['stop']);
  });

  it('isCancelled stops within one step', async () => {
    let cancelled = false;
    const steps: number[] = [];
    const res = await generate(model, {
      prompts: [prompt, prompt],
      maxNewTokens: 20,
      stopTokenIds: [],
      isCancelled: () => cancelled,
      onStep: (e) => {
        steps.push(e.step);
        if (e.step === 2) cancelled = true;
      },
    });
    expect(steps).toEqual([0, 1, 2]);
    expect(res.tokens.map((t) => t.length)).toEqual([3, 3]);
    expect(res.finish).toEqual(['cancelled', 'cancelled']);
  });

  it('aborting the signal from the event callback stops the stream within one step', async () => {
    const seen: number[] = [];
    const controller = new AbortController();
    const res = await engine.generate(
      { rows: [{ prompt: { ids: prompt }, steering: null }], maxNewTokens: 20, sampling: { temperature: 1, topK: 0, topP: 1 }, seed: 3 },
      (e) => {
        seen.push(e.step);
        if (e.step === 1) controller.abort();
      },
      { signal: controller.signal },
    );
    // The demo model may emit its end token first; otherwise the stream stops right after step 1.
    if (res.rows[0].finish !== 'stop') {
      expect(res.rows[0].finish).toBe('cancelled');
      expect(seen).toEqual([0, 1]);
      expect(res.rows[0].tokenIds.length).toBe(2);
    } else expect(res.rows[0].tokenIds.length).toBeLessThanOrEqual(2);
  });
});
