/**
 * Cancellation by AbortSignal through the real worker: the page aborts a long generation from its
 * event callback; the worker, which awaits the backend between steps, takes the cancel message
 * before the stream would end on its own, answers with the rows so far, and keeps nothing.
 */
import { expect, test } from '@playwright/test';
import { HUB_PORT } from '../playwright.config';

const hub = `http://127.0.0.1:${HUB_PORT}`;

test('aborting a generation mid-stream stops it in the worker; aborting it afterwards sends nothing', async ({ page }, info) => {
  const backend = info.project.name === 'webgpu' ? ('webgpu' as const) : ('wasm' as const);
  await page.goto('/e2e/engine.html');
  await page.waitForFunction(() => window.engineReady);
  const out = await page.evaluate(
    async ({ hub, backend }) => {
      const e = window.engine;
      const model = await e.load({ source: { kind: 'hub', id: 'persona-lab/persona-demo' }, backend, hubHost: hub });
      const messages = [{ role: 'user' as const, content: 'What is a good way to start the day?' }];
      // a strong push at block 1 on every position: the demo model then repeats itself and never ends its reply
      const vector = new Float32Array(model.hiddenSize).map((_, i) => (i % 2 ? 1 : -1));
      const request = { rows: [{ prompt: { messages }, steering: [{ layer: 1, vector, alpha: 8 }] }], maxNewTokens: 200, positions: 'all' as const, seed: 7 };
      const full = await e.generate({ ...request, maxNewTokens: 40 });
      const controller = new AbortController();
      const steps: number[] = [];
      const cut = await e.generate(
        request,
        (ev) => {
          steps.push(ev.step);
          if (ev.step === 1) controller.abort();
        },
        { signal: controller.signal },
      );
      const pendingAfter = e.pendingCount;
      const late = new AbortController();
      const again = await e.generate({ ...request, maxNewTokens: 40 }, undefined, { signal: late.signal });
      late.abort();
      return {
        fullFinish: full.rows[0].finish,
        fullTokens: full.rows[0].tokenIds,
        cut: cut.rows[0],
        steps,
        pendingAfter,
        againTokens: again.rows[0].tokenIds,
        pendingEnd: e.pendingCount,
      };
    },
    { hub, backend },
  );
  expect(out.fullFinish).toBe('length'); // uncancelled, the stream runs to its limit
  expect(out.cut.finish).toBe('cancelled');
  expect(out.cut.tokenIds.length).toBeLessThan(200);
  expect(out.cut.tokenIds.length).toBeGreaterThanOrEqual(2);
  expect(out.steps).toEqual(out.cut.tokenIds.map((_, i) => i));
  expect(out.cut.tokenIds).toEqual(out.fullTokens.slice(0, out.cut.tokenIds.length));
  expect(out.pendingAfter).toBe(0);
  expect(out.againTokens).toEqual(out.fullTokens);
  expect(out.pendingEnd).toBe(0);
});
