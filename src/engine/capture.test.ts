/**
 * Capture semantics: `resid` rows are the HF hidden states (row 0 = embedding output, row l+1 =
 * output of block l before the final norm), checked against an independent TypeScript Llama
 * forward pass computed from the model's own weights; the last row through the final norm and
 * lm_head reproduces the logits. Tolerances, as relative error (max |diff| / max |ref|):
 * demo model (fp32) ≤ 1e-4 (measured ≈ 5e-7); fused fixture (fp16 graph vs a float64 reference)
 * ≤ 3e-3 (measured ≈ 6e-4), while neighbouring rows differ by > 0.1, so a row off by one fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from './engine';
import type { ModelInfo } from './api';
import { flat, maxAbsDiff, relError } from './testing/compare';
import { loadLocalEngine } from './testing/models';
import { DEMO_MODEL_DIR, FUSED_FIXTURE_DIR, hasDemoModel } from './testing/paths';
import { headLogits, loadReferenceLlama, referenceForward, type ReferenceLlama } from './testing/referenceLlama';

const TOL = 1e-4;

describe.skipIf(!hasDemoModel())('capture on the demo model', () => {
  let engine: Engine;
  let info: ModelInfo;
  let ref: ReferenceLlama;
  beforeAll(async () => {
    ({ engine, info } = await loadLocalEngine(DEMO_MODEL_DIR));
    ref = loadReferenceLlama(DEMO_MODEL_DIR);
  });
  afterAll(() => engine?.unload());

  it('reports the shape the config gives', () => {
    expect(info.exportStyle).toBe('decomposed');
    expect(info.numLayers).toBe(ref.config.layers);
    expect(info.hiddenSize).toBe(ref.config.hidden);
    expect(info.residualDtype).toBe('float32');
    expect(info.hookPoints).toEqual(['embed', ...Array.from({ length: ref.config.layers }, (_, l) => `blocks.${l}.resid_post`)]);
  });

  it('resid rows match an independent forward pass; the last row reproduces the logits', async () => {
    const ids = [1, 300, 45, 700, 12, 99, 1000, 5].map((i) => i % ref.config.vocab);
    const T = ids.length;
    const { hidden: H, layers: L, vocab: V } = ref.config;
    const { rows, numRows, hiddenSize } = await engine.capture({ rows: [{ prompt: { ids } }], includeLogits: true });
    expect(numRows).toBe(L + 1);
    expect(hiddenSize).toBe(H);
    const row = rows[0];
    expect(row.ids).toEqual(ids);
    expect(row.resid.length).toBe((L + 1) * T * H);
    expect(row.logits!.length).toBe(T * V);

    const expected = referenceForward(ref, ids);
    // Row 0 is the embedding lookup itself: exact.
    expect(maxAbsDiff(row.resid.subarray(0, T * H), flat(expected.hidden[0]))).toBe(0);
    for (let r = 1; r <= L; r++) {
      expect(relError(row.resid.subarray(r * T * H, (r + 1) * T * H), flat(expected.hidden[r])), `row ${r}`).toBeLessThan(TOL);
    }
    expect(relError(row.logits!, flat(expected.logits))).toBeLessThan(TOL);
    // The captured last row (blocks.{L-1}.resid_post, no final norm) through norm + lm_head = logits.
    for (let t = 0; t < T; t++) {
      const last = row.resid.subarray((L * T + t) * H, (L * T + t + 1) * H);
      expect(relError(row.logits!.subarray(t * V, (t + 1) * V), headLogits(ref, last)), `position ${t}`).toBeLessThan(TOL);
    }
    // And it is not the second-to-last row (the test can tell rows apart).
    const penultimate = row.resid.subarray(((L - 1) * T + T - 1) * H, ((L - 1) * T + T) * H);
    expect(relError(row.logits!.subarray((T - 1) * V), headLogits(ref, penultimate))).toBeGreaterThan(100 * TOL);
  });

  it('strips left padding: each row of a batch equals its solo capture', async () => {
    const a = [1, 300, 45, 700, 12, 99];
    const b = [1, 77, 500];
    const batch = await engine.capture({ rows: [{ prompt: { ids: a } }, { prompt: { ids: b } }], includeLogits: true });
    const soloB = await engine.capture({ rows: [{ prompt: { ids: b } }], includeLogits: true });
    expect(batch.rows[1].ids).toEqual(b);
    expect(batch.rows[1].resid.length).toBe(soloB.rows[0].resid.length);
    expect(relError(batch.rows[1].resid, soloB.rows[0].resid)).toBeLessThan(TOL);
    expect(relError(batch.rows[1].logits!, soloB.rows[0].logits!)).toBeLessThan(TOL);
    const expectedA = referenceForward(ref, a);
    const L = ref.config.layers;
    const H = ref.config.hidden;
    expect(relError(batch.rows[0].resid.subarray(L * a.length * H), flat(expectedA.hidden[L]))).toBeLessThan(TOL);
  });
});

describe('capture on the fused fp16 fixture (an export nobody here wrote)', () => {
  const FP16_TOL = 3e-3;
  let engine: Engine;
  let ref: ReferenceLlama;
  beforeAll(async () => {
    ({ engine } = await loadLocalEngine(FUSED_FIXTURE_DIR));
    ref = loadReferenceLlama(FUSED_FIXTURE_DIR);
  });
  afterAll(() => engine?.unload());

  it('resid rows (output 3 of the skip norms, and of the final norm once added) match the reference; logits too', async () => {
    const ids = [1, 15043, 29892, 920, 526, 366, 2599];
    const T = ids.length;
    const { hidden: H, layers: L, vocab: V } = ref.config;
    const { rows } = await engine.capture({ rows: [{ prompt: { ids } }], includeLogits: true });
    const resid = rows[0].resid;
    const expected = referenceForward(ref, ids);
    expect(maxAbsDiff(resid.subarray(0, T * H), flat(expected.hidden[0]))).toBe(0);
    for (let r = 1; r <= L; r++) {
      const got = resid.subarray(r * T * H, (r + 1) * T * H);
      expect(relError(got, flat(expected.hidden[r])), `row ${r}`).toBeLessThan(FP16_TOL);
      expect(relError(got, flat(expected.hidden[r - 1])), `row ${r} vs the reference row before`).toBeGreaterThan(0.1);
    }
    expect(relError(rows[0].logits!, flat(expected.logits))).toBeLessThan(FP16_TOL);
    const last = resid.subarray((L * T + T - 1) * H, (L * T + T) * H);
    expect(relError(rows[0].logits!.subarray((T - 1) * V), headLogits(ref, last))).toBeLessThan(FP16_TOL);
  });
});
