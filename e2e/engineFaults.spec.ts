/** Faults in a real browser: the worker crashing, the WebGPU device being lost. The lab recovers. */
import { expect, test } from '@playwright/test';
import { HUB_PORT } from '../playwright.config';

const hub = `http://127.0.0.1:${HUB_PORT}`;

test('a crashed worker restarts, reloads the model and generates the same reply', async ({ page }) => {
  await page.goto('/e2e/engine.html');
  await page.waitForFunction(() => window.engineReady);
  const out = await page.evaluate(async (hub) => {
    const e = window.resilient;
    await e.load({ source: { kind: 'hub', id: 'persona-lab/persona-demo' }, backend: 'wasm', hubHost: hub });
    const ask = () => e.generate({ rows: [{ prompt: { messages: [{ role: 'user', content: 'Any tips for a rainy day?' }] }, steering: null }], maxNewTokens: 8 });
    const before = (await ask()).rows[0].tokenIds.join(',');
    await e.debug('crash');
    await new Promise((r) => setTimeout(r, 200));
    await e.ready();
    const after = (await ask()).rows[0].tokenIds.join(',');
    return { before, after, restarts: e.restarts, notices: window.restartNotices.map((n) => [n.message, n.model?.backend]) };
  }, hub);
  expect(out.restarts).toBe(1);
  expect(out.notices).toHaveLength(1);
  expect(out.notices[0][0]).toContain('simulated engine crash');
  expect(out.notices[0][1]).toBe('wasm');
  expect(out.after).toBe(out.before);
});

test('WebGPU device loss fails the running call, restarts, and falls back to WASM after the second loss', async ({ page }, info) => {
  test.skip(info.project.name !== 'webgpu', 'needs a WebGPU device');
  await page.goto('/e2e/engine.html');
  await page.waitForFunction(() => window.engineReady);
  const out = await page.evaluate(async (hub) => {
    const e = window.resilient;
    const first = await e.load({ source: { kind: 'hub', id: 'persona-lab/persona-demo' }, backend: 'webgpu', hubHost: hub });
    const backends: string[] = [first.backend];
    for (let i = 0; i < 2; i++) {
      await e.debug('loseDevice');
      await new Promise((r) => setTimeout(r, 500));
      await e.ready();
      backends.push(window.restartNotices[window.restartNotices.length - 1]?.model?.backend ?? 'none');
    }
    const reply = await e.generate({ rows: [{ prompt: { messages: [{ role: 'user', content: 'Any tips for a rainy day?' }] }, steering: null }], maxNewTokens: 3 });
    return { backends, messages: window.restartNotices.map((n) => n.message), tokens: reply.rows[0].tokenIds.length, finish: reply.rows[0].finish };
  }, hub);
  expect(out.backends).toEqual(['webgpu', 'webgpu', 'wasm']);
  expect(out.messages[0]).toContain('WebGPU device was lost');
  expect(out.messages[1]).toContain('on WASM');
  // The reloaded WASM engine answers (3 tokens, or fewer if the model ends its reply first).
  expect(out.tokens).toBeGreaterThan(0);
  expect(out.tokens === 3 || out.finish === 'stop').toBe(true);
});
