/**
 * Instrumentation must not change the model: with steer = 0 the instrumented session's logits equal
 * the original graph's (run directly with ORT), at prefill and at two KV-cache decode steps.
 * fp32 demo model: bit-exact. fp16 fused fixture: bit-exact too (asserted on the fp16 bit patterns
 * converted exactly to float32); the test reports the difference if it ever is not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forward, KvCache } from './forward';
import type { LoadedModel } from './loadModel';
import { argmaxOf, maxAbsDiff } from './testing/compare';
import { loadLocalModel } from './testing/models';
import { createOriginalSession, emptyPast, runOriginal, type OriginalModel } from './testing/originalSession';
import { DEMO_MODEL_DIR, FUSED_FIXTURE_DIR, hasDemoModel } from './testing/paths';

const cases = [
  { name: 'fused fp16 fixture', dir: FUSED_FIXTURE_DIR, prompt: [1, 15043, 29892, 920, 526, 366], present: true },
  { name: 'decomposed fp32 demo model', dir: DEMO_MODEL_DIR, prompt: [1, 300, 45, 700, 12, 99, 5], present: hasDemoModel() },
];

for (const c of cases) {
  describe.skipIf(!c.present)(`steer = 0 leaves the ${c.name} unchanged`, () => {
    let model: LoadedModel;
    let original: OriginalModel;
    beforeAll(async () => {
      model = await loadLocalModel(c.dir);
      original = await createOriginalSession(c.dir);
    });
    afterAll(async () => {
      await model?.session.release();
      await original?.session.release();
    });

    it('gives logits equal to the original graph at prefill and two decode steps', async () => {
      let ids = [c.prompt];
      const mask = [c.prompt.map(() => 1)];
      let positions = [c.prompt.map((_, i) => i)];
      let pastOrig = emptyPast(original, 1);
      let pastInst = KvCache.empty(model, 1);
      const diffs: number[] = [];
      for (let step = 0; step < 3; step++) {
        const o = await runOriginal(original, ids, mask, positions, pastOrig);
        const inst = await forward(model, { ids, attentionMask: mask, positionIds: positions, past: pastInst, readouts: ['logits', 'logitsLast'] });
        const logits = inst.readouts.logits!;
        expect(inst.dims.logits).toEqual([1, ids[0].length, o.vocab]);
        expect(logits.length).toBe(o.logits.length);
        diffs.push(maxAbsDiff(logits, o.logits));
        // logits_last is the newest row of logits.
        const S = ids[0].length;
        expect(maxAbsDiff(inst.readouts.logitsLast!, o.logits.subarray((S - 1) * o.vocab))).toBe(0);
        const next = argmaxOf(o.logits.subarray((S - 1) * o.vocab));
        pastOrig = o.past;
        pastInst = inst.present;
        ids = [[next]];
        mask[0].push(1);
        positions = [[positions[0][positions[0].length - 1] + 1]];
      }
      expect(pastInst.length).toBe(c.prompt.length + 2);
      expect(diffs).toEqual([0, 0, 0]);
    });
  });
}
