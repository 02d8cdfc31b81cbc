/**
 * Short flow for the WebGPU project (SwiftShader is slow): open a share link that carries a steering
 * vector → the lab loads the demo through the Hub mirror and generates both replies → move the
 * slider → the steered reply changes and the unsteered one does not. Runs on both projects.
 */
import { expect, test } from '@playwright/test';
import { shareLink } from '../src/share/codec';
import type { Preset } from '../src/state/types';
import { APP_PORT } from '../playwright.config';
import { DEMO_ID, HUB, replyDone, replyText, shot } from './lab';

function presetWithVector(): Preset {
  let a = 12345;
  const rand = () => ((a = (Math.imul(a, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  return {
    name: 'random direction',
    modelId: DEMO_ID,
    hubHost: HUB,
    layer: 1,
    positions: 'all',
    sampling: { temperature: 0, topK: 0, topP: 1 },
    seed: 3,
    maxNewTokens: 12,
    systemPrompt: '',
    prompt: 'How do I learn to cook?',
    traits: [{ name: 'direction', alpha: 0, vector: Float32Array.from({ length: 128 }, rand) }],
    createdAt: 0,
  };
}

test('share link → load via the Hub mirror → generate → steer', async ({ page }, info) => {
  test.setTimeout(300_000);
  const t0 = Date.now();
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  const link = shareLink(`http://localhost:${APP_PORT}/?hub=${encodeURIComponent(HUB)}`, presetWithVector());
  await page.goto(link);
  const status = page.getByRole('status');
  await expect(status).toContainText(/WebGPU|WASM/, { timeout: 180_000 });
  console.log(`[${info.project.name}] ${await status.textContent()} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  if (info.project.name === 'webgpu') expect(await status.textContent()).toMatch(/WebGPU|WASM \(/); // WASM only with a stated reason
  await replyDone(page);
  const before = { steered: await replyText(page, 'Steered reply'), unsteered: await replyText(page, 'Unsteered reply') };
  expect(before.steered).toBe(before.unsteered); // α = 0
  await expect(page.getByRole('region', { name: 'Per-layer activations' })).toBeVisible();
  console.log(`[${info.project.name}] first reply after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${before.unsteered}`);

  await page.getByRole('slider', { name: 'direction strength' }).fill('4');
  await expect
    .poll(
      async () =>
        (await replyText(page, 'Steered reply')) !== before.steered &&
        (await page.getByRole('region', { name: 'Steered reply', exact: true }).getAttribute('data-status')) === 'done',
      { timeout: 180_000 },
    )
    .toBe(true);
  expect(await replyText(page, 'Unsteered reply')).toBe(before.unsteered);
  console.log(`[${info.project.name}] steered after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${await replyText(page, 'Steered reply')}`);
  await shot(page, `${info.project.name}-steer`);
});
