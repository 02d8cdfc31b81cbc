/**
 * Steering semantics on the demo model (fp32): adding α·v to block l gives
 * blocks.{l}.resid_post = unsteered + α·v at every steered position (tolerance 1e-5 × the row's
 * largest magnitude: one float32 rounding of x + α·v), earlier rows are bit-identical, later rows
 * and the logits change. Position modes follow src/engine/steering.ts: all = every position of
 * every pass; prompt = the prefill only; response = the newest position of each pass.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from './engine';
import { forward, KvCache } from './forward';
import { generate } from './generate';
import type { LoadedModel } from './loadModel';
import { steerTensor, type PositionMode, type SteeringTerm } from './steering';
import { argmaxOf, maxAbs, maxAbsDiff } from './testing/compare';
import { loadLocalEngine, seededFloats } from './testing/models';
import { DEMO_MODEL_DIR, FUSED_FIXTURE_DIR, hasDemoModel } from './testing/paths';

const PROMPT = [1, 300, 45, 700, 12, 99, 5];
const LAYER = 1;
const ALPHA = 4;

describe.skipIf(!hasDemoModel())('steering on the demo model', () => {
  let engine: Engine;
  let model: LoadedModel;
  let L: number;
  let H: number;
  let vector: Float32Array;
  let term: SteeringTerm;
  beforeAll(async () => {
    ({ engine } = await loadLocalEngine(DEMO_MODEL_DIR));
    model = engine.loaded;
    ({ numLayers: L, hiddenSize: H } = model.info);
    vector = seededFloats(H, 7);
    term = { layer: LAYER, vector, alpha: ALPHA };
  });
  afterAll(() => engine?.unload());

  const slice = (resid: Float32Array, T: number, row: number, t: number) => resid.subarray((row * T + t) * H, (row * T + t + 1) * H);

  async function captures(positions: PositionMode) {
    const res = await engine.capture({
      rows: [{ prompt: { ids: PROMPT } }, { prompt: { ids: PROMPT }, steering: [term] }],
      positions,
      includeLogits: true,
    });
    return { plain: res.rows[0], steered: res.rows[1] };
  }

  /** Checks one position: steered or not, as the mode says. */
  function checkPosition(plain: Float32Array, steered: Float32Array, T: number, t: number, shouldSteer: boolean) {
    for (let row = 0; row <= LAYER; row++) {
      expect(maxAbsDiff(slice(steered, T, row, t), slice(plain, T, row, t)), `row ${row} (before block ${LAYER}) t=${t}`).toBe(0);
    }
    const before = slice(plain, T, LAYER + 1, t);
    const after = slice(steered, T, LAYER + 1, t);
    const expected = shouldSteer ? before.map((x, i) => x + ALPHA * vector[i]) : before;
    const tol = 1e-5 * Math.max(maxAbs(before), maxAbs(expected));
    expect(maxAbsDiff(after, expected), `blocks.${LAYER}.resid_post t=${t}`).toBeLessThanOrEqual(tol);
  }

  it('all: resid_post of block l = unsteered + α·v everywhere; earlier rows identical; later rows and logits change', async () => {
    const { plain, steered } = await captures('all');
    const T = PROMPT.length;
    for (let t = 0; t < T; t++) checkPosition(plain.resid, steered.resid, T, t, true);
    for (let row = LAYER + 2; row <= L; row++) {
      expect(maxAbsDiff(slice(steered.resid, T, row, T - 1), slice(plain.resid, T, row, T - 1)), `row ${row}`).toBeGreaterThan(1e-3);
    }
    expect(maxAbsDiff(steered.logits!, plain.logits!)).toBeGreaterThan(1e-3);
  });

  it('prompt (a capture is one prefill pass): steers every position, like all', async () => {
    const { plain, steered } = await captures('prompt');
    for (let t = 0; t < PROMPT.length; t++) checkPosition(plain.resid, steered.resid, PROMPT.length, t, true);
  });

  it('response: only the newest position of the pass; earlier positions stay bit-identical in every row', async () => {
    const { plain, steered } = await captures('response');
    const T = PROMPT.length;
    for (let t = 0; t < T; t++) checkPosition(plain.resid, steered.resid, T, t, t === T - 1);
    for (let row = LAYER + 2; row <= L; row++) {
      for (let t = 0; t < T - 1; t++) expect(maxAbsDiff(slice(steered.resid, T, row, t), slice(plain.resid, T, row, t))).toBe(0);
      expect(maxAbsDiff(slice(steered.resid, T, row, T - 1), slice(plain.resid, T, row, T - 1))).toBeGreaterThan(1e-3);
    }
  });

  /**
   * Generation: the per-step projections onto v̂ (probe outputs, newest position) of a steered greedy
   * run must equal those of one full pass over prompt + generated tokens in which exactly the
   * positions the mode names are steered: all → every position; prompt → the prompt positions;
   * response → from the last prompt token on (each pass's newest position).
   */
  it.each(['all', 'prompt', 'response'] as const)('%s mode steers the positions steering.ts documents during generation', async (mode) => {
    const N = 4;
    const norm = Math.hypot(...vector);
    const probe = new Float32Array((L + 1) * H);
    for (let r = 0; r <= L; r++) for (let h = 0; h < H; h++) probe[r * H + h] = vector[h] / norm;
    const probes = { data: probe, k: 1 };
    const res = await generate(model, { prompts: [PROMPT], steering: [[term]], positions: mode, maxNewTokens: N, probes, stopTokenIds: [] });
    const tokens = res.tokens[0];
    expect(tokens.length).toBe(N);
    const ids = [...PROMPT, ...tokens.slice(0, N - 1)];
    const S = ids.length;
    const P = PROMPT.length;
    const masks: Record<PositionMode, Float32Array> = {
      all: new Float32Array(S).fill(1),
      prompt: Float32Array.from(ids, (_, i) => (i < P ? 1 : 0)),
      response: Float32Array.from(ids, (_, i) => (i >= P - 1 ? 1 : 0)),
    };
    const proj: Record<string, Float32Array> = {};
    for (const m of ['all', 'prompt', 'response'] as const) {
      const out = await forward(model, {
        ids: [ids],
        attentionMask: [ids.map(() => 1)],
        positionIds: [ids.map((_, i) => i)],
        past: KvCache.empty(model, 1),
        steer: steerTensor([[term]], L, H),
        steerPositions: masks[m],
        probes,
        readouts: ['probeProj', 'logits'],
      });
      out.present.dispose();
      proj[m] = out.readouts.probeProj!; // [1, L+1, S, 1]
      if (m === mode) {
        const V = out.readouts.logits!.length / S;
        for (let k = 0; k < N; k++) expect(argmaxOf(out.readouts.logits!.subarray((P - 1 + k) * V, (P + k) * V)), `token ${k}`).toBe(tokens[k]);
      }
    }
    const got = res.projections![0];
    const scale = Math.max(...Array.from(proj[mode], Math.abs));
    for (let k = 0; k < N; k++) {
      for (let r = 0; r <= L; r++) {
        expect(Math.abs(got[k][r] - proj[mode][r * S + P - 1 + k]), `step ${k} row ${r}`).toBeLessThanOrEqual(1e-4 * scale);
      }
    }
    // The check can tell the modes apart: another mode's mask disagrees by far more than the
    // tolerance somewhere (prompt vs the others by ≈ α‖v‖ at block l; all vs response downstream).
    for (const other of ['all', 'prompt', 'response'] as const) {
      if (other === mode) continue;
      let worst = 0;
      for (let k = 0; k < N; k++) for (let r = 0; r <= L; r++) worst = Math.max(worst, Math.abs(got[k][r] - proj[other][r * S + P - 1 + k]));
      expect(worst, `${mode} vs ${other}`).toBeGreaterThan(10 * 1e-4 * scale);
    }
  });
});

/**
 * The fused style steers through an Add on the branch input of the skip norm that closes the block;
 * for the last block that is the final norm, whose residual output 3 the instrumentation adds. The
 * residual is float16 there, so x + α·v is rounded to fp16: tolerance 2^-10 × the row's magnitude.
 */
describe('steering the fused fp16 fixture', () => {
  let engine: Engine;
  beforeAll(async () => {
    ({ engine } = await loadLocalEngine(FUSED_FIXTURE_DIR));
  });
  afterAll(() => engine?.unload());

  it.each([0, 1])('block %i: resid_post = unsteered + α·v, earlier rows identical, later rows and logits change', async (layer) => {
    const { numLayers: L, hiddenSize: H } = engine.loaded.info;
    const ids = [1, 15043, 29892, 920, 526];
    const T = ids.length;
    const vector = seededFloats(H, 13);
    const alpha = 0.5;
    const res = await engine.capture({
      rows: [{ prompt: { ids } }, { prompt: { ids }, steering: [{ layer, vector, alpha }] }],
      positions: 'all',
      includeLogits: true,
    });
    const [plain, steered] = res.rows;
    const row = (x: Float32Array, r: number) => x.subarray(r * T * H, (r + 1) * T * H);
    for (let r = 0; r <= layer; r++) expect(maxAbsDiff(row(steered.resid, r), row(plain.resid, r)), `row ${r}`).toBe(0);
    const expected = row(plain.resid, layer + 1).map((x, i) => x + alpha * vector[i % H]);
    expect(maxAbsDiff(row(steered.resid, layer + 1), expected)).toBeLessThanOrEqual(2 ** -10 * maxAbs(expected));
    for (let r = layer + 2; r <= L; r++) expect(maxAbsDiff(row(steered.resid, r), row(plain.resid, r)), `row ${r}`).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(steered.logits!, plain.logits!)).toBeGreaterThan(1e-3);
  });
});
