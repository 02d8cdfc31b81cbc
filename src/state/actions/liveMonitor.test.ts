/**
 * Streamed per-token projections: what the chat shows while a reply generates equals what an
 * unsteered capture of the finished text reads at the monitored layer (the finished chart), on
 * the demo model through the engine's API, for every position mode; plus the event bookkeeping.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerateEvent, PositionMode, SteeringTerm } from '../../engine/api';
import type { Engine } from '../../engine/engine';
import { loadLocalEngine, seededFloats } from '../../engine/testing/models';
import { DEMO_MODEL_DIR, hasDemoModel } from '../../engine/testing/paths';
import { makeCapture } from '../../persona/extract';
import { projectCaptureRow } from '../../persona/project';
import { frameThrottle, LiveMonitor, probeInputs, steeringOffset } from './liveMonitor';

describe('live monitor bookkeeping', () => {
  it('step 0 is the last prompt token, step s the token of step s−1; finished rows stop adding', () => {
    const row = Float32Array.from([3, 4]); // v̂ = (0.6, 0.8)
    const terms: SteeringTerm[] = [
      { layer: 1, vector: Float32Array.from([1, 1]), alpha: 2 },
      { layer: 0, vector: Float32Array.from([9, 9]), alpha: 1 },
    ];
    expect(steeringOffset(terms, 1, row)).toBeCloseTo(2 * 1.4, 6); // only the term at the layer counts
    const m = new LiveMonitor(['t'], [row], 1, 0, terms, 'response');
    const ev = (step: number, token: number, delta: string, p: number): GenerateEvent => ({
      type: 'token',
      step,
      tokens: [token],
      deltas: [delta],
      projections: [[[0], [0], [p]]],
    });
    m.push(ev(0, 5, 'Hi', 10));
    expect(m.snapshot().projections.t).toHaveLength(1); // the newest token's value comes with the next step
    m.push(ev(1, 2, '', 11)); // a stop token
    m.push(ev(2, -1, '', 12)); // projection of the stop token itself
    m.push(ev(3, -1, '', 13)); // row finished: nothing more
    const s = m.snapshot();
    expect(s.tokens).toEqual(['', 'Hi', '']);
    expect(s.promptLength).toBe(1);
    expect(s.projections.t.map((x) => +x.toFixed(4))).toEqual([10 - 2.8, 11 - 2.8, 12 - 2.8]);
    expect(s.lastPrompt.t).toBeCloseTo(7.2, 5);
  });

  it('prompt mode removes the steering only at step 0', () => {
    const m = new LiveMonitor(['t'], [Float32Array.from([1, 0])], 0, 0, [{ layer: 0, vector: Float32Array.from([1, 0]), alpha: 5 }], 'prompt');
    m.push({ type: 'token', step: 0, tokens: [7], deltas: ['a'], projections: [[[0], [6]]] });
    m.push({ type: 'token', step: 1, tokens: [8], deltas: ['b'], projections: [[[0], [6]]] });
    expect(m.snapshot().projections.t).toEqual([1, 6]);
  });

  it('probe inputs hold v̂ at row layer+1 only', () => {
    const [p] = probeInputs([{ name: 't', row: Float32Array.from([0, 2]) }], 2, 2, 1);
    expect(Array.from(p)).toEqual([0, 0, 0, 0, 0, 1]);
  });

  it('frame throttle flushes once for many schedules', async () => {
    let n = 0;
    const f = frameThrottle(() => n++);
    for (let i = 0; i < 50; i++) f.schedule();
    await new Promise((r) => setTimeout(r, 40));
    expect(n).toBe(1);
    f.schedule();
    f.cancel();
    await new Promise((r) => setTimeout(r, 40));
    expect(n).toBe(1);
  });
});

describe.skipIf(!hasDemoModel())('streamed projections equal a capture of the finished text (demo model)', () => {
  let engine: Engine;
  let L = 0,
    H = 0;
  beforeAll(async () => {
    const loaded = await loadLocalEngine(DEMO_MODEL_DIR);
    engine = loaded.engine;
    ({ numLayers: L, hiddenSize: H } = loaded.info);
  });
  afterAll(() => engine?.unload());

  for (const mode of ['response', 'all', 'prompt'] as PositionMode[]) {
    it(`${mode} positions: unsteered and steered rows, three probes, within 1e-4`, async () => {
      const layer = Math.floor(L / 2);
      const steerVec = seededFloats(H, 3);
      const probes = [
        { name: 'steered direction', row: steerVec },
        { name: 'a', row: seededFloats(H, 4) },
        { name: 'b', row: seededFloats(H, 5) },
      ];
      const terms: SteeringTerm[] = [{ layer, vector: steerVec, alpha: 30 }];
      const messages = [{ role: 'user' as const, content: 'How can I get better at drawing?' }];
      const events: GenerateEvent[] = [];
      const res = await engine.generate(
        {
          rows: [
            { prompt: { messages }, steering: null },
            { prompt: { messages }, steering: terms },
          ],
          positions: mode,
          maxNewTokens: 12,
          seed: 1,
          probes: probeInputs(probes, L, H, layer),
        },
        (e) => events.push(e),
      );
      let worst = 0;
      for (const b of [0, 1]) {
        const live = new LiveMonitor(
          probes.map((p) => p.name),
          probes.map((p) => p.row),
          layer,
          b,
          b ? terms : null,
          mode,
        );
        events.forEach((e) => live.push(e));
        const snap = live.snapshot();
        const { promptIds, tokenIds } = res.rows[b];
        const cap = (await engine.capture({ rows: [{ prompt: { ids: [...promptIds, ...tokenIds] } }] })).rows[0];
        const capture = makeCapture(cap.resid, L + 1, cap.ids.length, H);
        for (const p of probes) {
          const want = projectCaptureRow(capture, layer + 1, p.row);
          const got = snap.projections[p.name];
          expect(got.length).toBeGreaterThanOrEqual(Math.min(tokenIds.length, 2));
          // float32 rounding scales with the largest term: the streamed value is (raw projection incl. α·v) − α·(v·û)
          const added = b ? Math.abs(steeringOffset(terms, layer, p.row)) : 0;
          got.forEach((x, i) => {
            const y = want[promptIds.length - 1 + i];
            const scale = Math.max(1, Math.abs(y), added);
            worst = Math.max(worst, Math.abs(x - y) / scale);
            expect(Math.abs(x - y)).toBeLessThanOrEqual(1e-4 * scale);
          });
        }
      }
      // the correction mattered: steering moved the raw projection by far more than the tolerance
      expect(steeringOffset(terms, layer, steerVec)).toBeGreaterThan(10);
      if (mode !== 'prompt') expect(res.rows[1].text).not.toBe(res.rows[0].text);
      console.log(`[live monitor] ${mode}: worst difference streamed vs capture, relative to the largest term, ${worst.toExponential(2)}`);
    });
  }
});
