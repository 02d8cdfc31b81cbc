/**
 * Rows of unequal length in one batch compute as each row alone, on every attention kind: the
 * decomposed demo model (plain-op attention, left padding), the builder's fused MultiHeadAttention
 * fixture (fp16, left padding) and its GroupQueryAttention fixture (no position_ids; right padding,
 * since GQA takes each row's valid tokens to be its first ones). Checked through the prefill
 * (capture: every residual row and logit of every position) and 5 KV-cache decode steps (the
 * residual stream of each step's newest position, read through identity probes, and the greedy
 * tokens), also with a steered short row beside an unsteered long one in each position mode. A graph
 * with dynamic quantization (the int8 Llama replica of tools/conformance) couples a batch's rows
 * through its activation scales: it runs one row per pass and is then exact. Tolerances are relative to the reference's largest magnitude: fp32 1e-5, fp16 2e-3
 * (measured differences are printed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { Engine } from './engine';
import { folderFetcher } from './nodeFolderFetcher';
import { configureRuntime } from './ort';
import { forward, KvCache } from './forward';
import { generate } from './generate';
import type { LoadedModel } from './loadModel';
import { padBatch } from './padding';
import { maxAbsDiff, relError } from './testing/compare';
import { loadLocalEngine, seededFloats } from './testing/models';
import { DEMO_MODEL_DIR, FUSED_FIXTURE_DIR, GQA_FIXTURE_DIR, REPO_ROOT, hasDemoModel } from './testing/paths';

const cases = [
  {
    name: 'decomposed demo model (fp32)',
    dir: DEMO_MODEL_DIR,
    present: hasDemoModel(),
    padding: 'left',
    tol: 1e-5,
    rows: [
      [1, 300, 45, 700, 12, 99, 5],
      [1, 77, 500],
      [1, 9, 88, 1000, 3],
    ],
  },
  {
    name: 'fused MultiHeadAttention fixture (fp16)',
    dir: FUSED_FIXTURE_DIR,
    present: true,
    padding: 'left',
    tol: 2e-3,
    rows: [
      [1, 15043, 29892, 920, 526, 366, 2599],
      [1, 3681, 338],
      [1, 450, 4996, 17354, 1701],
    ],
  },
  {
    name: 'GroupQueryAttention fixture (fp32, no position_ids)',
    dir: GQA_FIXTURE_DIR,
    present: true,
    padding: 'right',
    tol: 1e-5,
    rows: [
      [1, 15043, 29892, 920, 526, 366],
      [1, 3681, 338],
      [1, 450, 4996, 17354, 1701],
    ],
  },
] as const;

const STEPS = 6; // prefill + 5 decode steps

for (const c of cases) {
  describe.skipIf(!c.present)(`batch = each row alone: ${c.name}`, () => {
    let engine: Engine;
    let model: LoadedModel;
    beforeAll(async () => {
      ({ engine } = await loadLocalEngine(c.dir));
      model = engine.loaded;
    });
    afterAll(() => engine?.unload());

    it(`pads on the ${c.padding}`, () => {
      expect(model.info.padding).toBe(c.padding);
    });

    it('prefill: every residual row and every logit of each row equal its solo capture', async () => {
      const rows = c.rows.map((ids) => ({ prompt: { ids: [...ids] } }));
      const batch = await engine.capture({ rows, includeLogits: true });
      const errors: number[] = [];
      for (let b = 0; b < rows.length; b++) {
        const solo = (await engine.capture({ rows: [rows[b]], includeLogits: true })).rows[0];
        expect(batch.rows[b].resid.length).toBe(solo.resid.length);
        expect(batch.rows[b].logits!.length).toBe(solo.logits!.length);
        errors.push(relError(batch.rows[b].resid, solo.resid), relError(batch.rows[b].logits!, solo.logits!));
      }
      console.log(`${c.name}: prefill batch vs solo, relative errors (resid, logits per row): ${errors.map((e) => e.toExponential(1)).join(' ')}`);
      for (const e of errors) expect(e).toBeLessThanOrEqual(c.tol);
    });

    it("'last' logits of each row equal its solo capture's", async () => {
      const rows = c.rows.map((ids) => ({ prompt: { ids: [...ids] } }));
      const batch = await engine.capture({ rows, includeLogits: 'last', includeResid: false });
      for (let b = 0; b < rows.length; b++) {
        const solo = (await engine.capture({ rows: [rows[b]], includeLogits: true })).rows[0];
        const V = solo.logits!.length / c.rows[b].length;
        expect(relError(batch.rows[b].logits!, solo.logits!.subarray(solo.logits!.length - V))).toBeLessThanOrEqual(c.tol);
      }
    });

    it("prefill + 5 decode steps: greedy tokens and the newest position's residual stream at every step equal each row alone", async () => {
      const { numLayers: L, hiddenSize: H } = model.info;
      // Identity probes: the projections are the newest position's residual stream, every row.
      const probe = new Float32Array((L + 1) * H * H);
      for (let r = 0; r <= L; r++) for (let k = 0; k < H; k++) probe[(r * H + k) * H + k] = 1;
      const probes = { data: probe, k: H };
      const prompts = c.rows.map((r) => [...r]);
      const batch = await generate(model, { prompts, maxNewTokens: STEPS, stopTokenIds: [], probes });
      let worst = 0;
      for (let b = 0; b < prompts.length; b++) {
        const solo = await generate(model, { prompts: [prompts[b]], maxNewTokens: STEPS, stopTokenIds: [], probes });
        expect(batch.tokens[b]).toEqual(solo.tokens[0]);
        expect(batch.projections![b]).toHaveLength(STEPS);
        for (let s = 0; s < STEPS; s++) worst = Math.max(worst, relError(batch.projections![b][s], solo.projections![0][s]));
      }
      console.log(`${c.name}: decode batch vs solo, worst relative error of the newest residual over ${STEPS} steps: ${worst.toExponential(1)}`);
      expect(worst).toBeLessThanOrEqual(c.tol);
    });

    it.each(['all', 'prompt', 'response'] as const)('%s mode: a steered short row beside an unsteered long one steers as it would alone', async (mode) => {
      const { numLayers: L, hiddenSize: H } = model.info;
      const vector = seededFloats(H, 5);
      const term = { layer: L - 1, vector, alpha: c.dir === DEMO_MODEL_DIR ? 20 : 4 };
      const norm = Math.hypot(...vector);
      const probe = new Float32Array((L + 1) * H);
      for (let r = 0; r <= L; r++) for (let h = 0; h < H; h++) probe[r * H + h] = vector[h] / norm;
      const probes = { data: probe, k: 1 };
      const [long, short] = [[...c.rows[0]], [...c.rows[1]]];
      const options = { maxNewTokens: STEPS, stopTokenIds: [], probes, positions: mode };
      const batch = await generate(model, { ...options, prompts: [long, short], steering: [null, [term]] });
      const soloShort = await generate(model, { ...options, prompts: [short], steering: [[term]] });
      const soloLong = await generate(model, { ...options, prompts: [long] });
      expect(batch.tokens[1]).toEqual(soloShort.tokens[0]);
      expect(batch.tokens[0]).toEqual(soloLong.tokens[0]);
      const unsteered = await generate(model, { ...options, prompts: [short] });
      // The steering shows: every mode steers the last prompt token, so the first step's projection
      // of blocks.{L-1}.resid_post onto v̂ moves by α·|v|.
      expect(Math.abs(soloShort.projections![0][0][L] - unsteered.projections![0][0][L])).toBeGreaterThan(0.5 * term.alpha * norm);
      for (let s = 0; s < STEPS; s++) {
        expect(relError(batch.projections![1][s], soloShort.projections![0][s]), `steered row, step ${s}`).toBeLessThanOrEqual(c.tol);
        expect(relError(batch.projections![0][s], soloLong.projections![0][s]), `unsteered row, step ${s}`).toBeLessThanOrEqual(c.tol);
      }
    });
  });
}

describe('why GroupQueryAttention needs right padding', () => {
  let engine: Engine;
  let model: LoadedModel;
  beforeAll(async () => {
    ({ engine } = await loadLocalEngine(GQA_FIXTURE_DIR));
    model = engine.loaded;
  });
  afterAll(() => engine?.unload());

  it('left padding the short row gives it wrong last logits (the measured failure); right padding does not', async () => {
    const long = [1, 15043, 29892, 920, 526, 366];
    const short = [1, 3681, 338];
    const run = async (side: 'left' | 'right') => {
      const batch = padBatch([long, short], 0, side);
      const out = await forward(model, {
        ids: batch.ids,
        attentionMask: batch.mask,
        positionIds: batch.positions,
        past: KvCache.empty(model, 2),
        readouts: ['logits'],
      });
      out.present.dispose();
      const V = out.readouts.logits!.length / (2 * batch.width);
      const last = batch.offsets[1] + short.length - 1;
      return out.readouts.logits!.slice((batch.width + last) * V, (batch.width + last + 1) * V);
    };
    const solo = (await engine.capture({ rows: [{ prompt: { ids: short } }], includeLogits: 'last', includeResid: false })).rows[0].logits!;
    const left = relError(await run('left'), solo);
    const right = relError(await run('right'), solo);
    console.log(`GQA fixture, short row's last logits vs alone: left padded ${left.toExponential(2)}, right padded ${right.toExponential(2)} (relative)`);
    expect(left).toBeGreaterThan(0.1);
    expect(right).toBeLessThanOrEqual(1e-5);
  });
});

describe('dynamic quantization couples the rows of a batch: such graphs run one row per pass', () => {
  const DIR = resolve(REPO_ROOT, 'src/engine/testing/conformance/llama');
  let engine: Engine;
  let model: LoadedModel;
  const rows = [
    [1, 30, 45, 70, 12, 99, 5],
    [1, 77, 50],
  ];
  beforeAll(async () => {
    configureRuntime({ numThreads: 1 });
    engine = new Engine({ fetcher: () => folderFetcher(DIR) });
    await engine.load({ source: { kind: 'url', baseUrl: DIR }, backend: 'wasm', variant: 'int8' });
    model = engine.loaded;
  });
  afterAll(() => engine?.unload());

  it('the int8 replica is recognised (DynamicQuantizeLinear), and one padded pass would not be exact', async () => {
    expect(model.info.rowCoupling).toBe('DynamicQuantizeLinear');
    const batch = padBatch(rows, 0, model.info.padding);
    const out = await forward(model, {
      ids: batch.ids,
      attentionMask: batch.mask,
      positionIds: batch.positions,
      past: KvCache.empty(model, 2),
      readouts: ['logitsLast'],
    });
    out.present.dispose();
    const solo = (await engine.capture({ rows: [{ prompt: { ids: rows[1] } }], includeLogits: 'last', includeResid: false })).rows[0].logits!;
    const V = solo.length;
    const coupled = relError(out.readouts.logitsLast!.subarray(V), solo);
    console.log(`int8 replica, short row's last logits in one padded pass vs alone: ${coupled.toExponential(2)} (relative)`);
    expect(coupled).toBeGreaterThan(1e-3);
  });

  it('capture and generation give each row exactly what it gets alone', async () => {
    const batch = await engine.capture({ rows: rows.map((ids) => ({ prompt: { ids } })), includeLogits: true });
    const gen = await generate(model, { prompts: rows, maxNewTokens: STEPS, stopTokenIds: [] });
    for (let b = 0; b < rows.length; b++) {
      const solo = (await engine.capture({ rows: [{ prompt: { ids: rows[b] } }], includeLogits: true })).rows[0];
      expect(maxAbsDiff(batch.rows[b].resid, solo.resid)).toBe(0);
      expect(maxAbsDiff(batch.rows[b].logits!, solo.logits!)).toBe(0);
      expect(gen.tokens[b]).toEqual((await generate(model, { prompts: [rows[b]], maxNewTokens: STEPS, stopTokenIds: [] })).tokens[0]);
    }
  });
});
