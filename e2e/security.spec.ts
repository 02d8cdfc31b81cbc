/** Text from a link is data: hostile names and prompts in a share link render as text, never HTML. */
import { expect, test } from '@playwright/test';
import { shareLink } from '../src/share/codec';
import type { Preset } from '../src/state/types';
import { APP_PORT } from '../playwright.config';
import { DEMO_ID, HUB, replyDone } from './lab';

const hostile = '<img src=x onerror="window.__pwned=1"><b>bold</b>';

test('a share link with HTML in names and prompt shows it as text and runs no script', async ({ page }, info) => {
  test.skip(info.project.name !== 'wasm', 'one backend is enough');
  const preset: Preset = {
    name: hostile,
    modelId: DEMO_ID,
    hubHost: HUB,
    layer: 1,
    positions: 'all',
    sampling: { temperature: 0, topK: 0, topP: 1 },
    seed: 3,
    maxNewTokens: 6,
    systemPrompt: hostile,
    prompt: hostile,
    traits: [{ name: hostile, alpha: 0, vector: new Float32Array(128).fill(0.01) }],
    createdAt: 0,
  };
  await page.goto(shareLink(`http://localhost:${APP_PORT}/?hub=${encodeURIComponent(HUB)}`, preset));
  await expect(page.getByRole('status')).toContainText(/WebGPU|WASM/, { timeout: 180_000 });
  await replyDone(page);
  await expect(page.getByRole('slider', { name: `${hostile} strength` })).toBeAttached();
  await expect(page.getByText(hostile).first()).toBeVisible();
  expect(await page.locator('img[src="x"], b:text-is("bold")').count()).toBe(0);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
});
