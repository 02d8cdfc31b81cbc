/**
 * Faults in a real browser: the worker crashing, the WebGPU device being lost. First the engine
 * alone (e2e/engine.html), then the lab itself: its page-side engine (state/engine.ts) is the same
 * ResilientEngine, so a crash under the real page restarts the worker, reloads the model, and the
 * next chat message works with the saved work untouched.
 */
import { expect, test, type Page } from '@playwright/test';
import { HUB_PORT } from '../playwright.config';
import { DEMO_ID, goTo, loadDemoViaHub, openLab, replyText, send } from './lab';

const hub = `http://127.0.0.1:${HUB_PORT}`;

test('a crashed worker restarts, reloads the model and generates the same reply', async ({ page }) => {
  await page.goto('/e2e/engine.html');
  await page.waitForFunction(() => window.engineReady);
  const out = await page.evaluate(async (hub) => {
    const e = window.resilient;
    await e.load({ source: { kind: 'hub', id: 'persona-lab/persona-demo' }, backend: 'wasm', hubHost: hub });
    const ask = () =>
      e.generate({ rows: [{ prompt: { messages: [{ role: 'user', content: 'Any tips for a rainy day?' }] }, steering: null }], maxNewTokens: 8 });
    const before = (await ask()).rows[0].tokenIds.join(',');
    await e.debug('crash');
    await new Promise((r) => setTimeout(r, 200));
    await e.ready();
    const after = (await ask()).rows[0].tokenIds.join(',');
    return {
      before,
      after,
      restarts: e.restarts,
      notices: window.restartNotices.filter((n) => n.phase === 'restarted').map((n) => [n.message, n.model?.backend]),
    };
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
      backends.push(window.restartNotices.filter((n) => n.phase === 'restarted').at(-1)?.model?.backend ?? 'none');
    }
    const reply = await e.generate({
      rows: [{ prompt: { messages: [{ role: 'user', content: 'Any tips for a rainy day?' }] }, steering: null }],
      maxNewTokens: 3,
    });
    return {
      backends,
      messages: window.restartNotices.filter((n) => n.phase === 'restarted').map((n) => n.message),
      tokens: reply.rows[0].tokenIds.length,
      finish: reply.rows[0].finish,
    };
  }, hub);
  expect(out.backends).toEqual(['webgpu', 'webgpu', 'wasm']);
  expect(out.messages[0]).toContain('WebGPU device was lost');
  expect(out.messages[1]).toContain('on WASM');
  // The reloaded WASM engine answers (3 tokens, or fewer if the model ends its reply first).
  expect(out.tokens).toBeGreaterThan(0);
  expect(out.tokens === 3 || out.finish === 'stop').toBe(true);
});

/** The lab's own engine (state/engine.ts), through the dev-server handle main.tsx installs. */
async function labEngine(page: Page, action: 'crash' | 'loseDevice'): Promise<void> {
  await page.evaluate((a) => (window as unknown as { __lab: { getEngine(): { debug(a: string): Promise<void> } } }).__lab.getEngine().debug(a), action);
}

/** What the lab holds that must survive a restart: the chat, the trait library, the vectors, the stored settings. */
async function savedWork(page: Page): Promise<{ turns: string[]; traits: number; vectors: string[]; stored: number }> {
  return page.evaluate(() => {
    const s = (
      window as unknown as {
        __lab: { store: { getState(): { turns: { steered: string; status: string }[]; traits: unknown[]; vectors: Record<string, unknown> } } };
      }
    ).__lab.store.getState();
    return {
      turns: s.turns.map((t) => `${t.status}:${t.steered}`),
      traits: s.traits.length,
      vectors: Object.keys(s.vectors).sort(),
      stored: localStorage.length,
    };
  });
}

test('the lab: its worker crashes under the page; the model is reloaded, the next message works, saved work is intact', async ({ page }, info) => {
  test.skip(info.project.name !== 'wasm', 'the WASM engine; the WebGPU project checks device loss below');
  await openLab(page);
  await loadDemoViaHub(page, 'wasm');
  await send(page, 'Any tips for a rainy day?');
  const first = await replyText(page, 'Steered reply');
  expect(first.length).toBeGreaterThan(0);
  const before = await savedWork(page);

  await labEngine(page, 'crash');
  const status = page.getByRole('status');
  await expect(status).toContainText('simulated engine crash');
  await expect(status).toContainText(/restarted and reloaded the model/);
  await expect(status).toContainText(`${DEMO_ID} on WASM`);
  await expect(page.getByRole('alert')).toHaveCount(0);
  expect(await savedWork(page)).toEqual(before);

  await send(page, 'How do I keep my plants alive?');
  const second = await replyText(page, 'Steered reply');
  expect(second.length).toBeGreaterThan(0);
  const after = await savedWork(page);
  expect(after.turns.slice(0, before.turns.length)).toEqual(before.turns);
  expect(after.turns).toHaveLength(before.turns.length + 1);
  expect(after.turns.at(-1)).toBe(`done:${second}`);
  await goTo(page, 'Model');
  await expect(page.getByRole('alert')).toHaveCount(0);
});

test('the lab: a lost WebGPU device restarts the engine on WebGPU with the model, and chat goes on', async ({ page }, info) => {
  test.skip(info.project.name !== 'webgpu', 'needs a WebGPU device');
  await openLab(page);
  const loaded = await loadDemoViaHub(page, 'auto');
  test.skip(!loaded.includes('WebGPU'), `the demo model did not load on WebGPU here (${loaded})`);
  await send(page, 'Any tips for a rainy day?');
  const before = await savedWork(page);

  await labEngine(page, 'loseDevice');
  const status = page.getByRole('status');
  await expect(status).toContainText('WebGPU device was lost', { timeout: 120_000 });
  await expect(status).toContainText(/restarted and reloaded the model/, { timeout: 180_000 });
  await expect(status).toContainText(`${DEMO_ID} on WebGPU`);
  expect(await savedWork(page)).toEqual(before);

  await send(page, 'How do I keep my plants alive?');
  expect((await replyText(page, 'Steered reply')).length).toBeGreaterThan(0);
  await expect(page.getByRole('alert')).toHaveCount(0);
});
