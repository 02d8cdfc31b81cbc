/**
 * Issue 6: α far outside the sensible range is clamped with a note (role="status"); "Export lab"
 * writes one file that "Import lab" restores in a fresh browser profile; a truncated file is refused
 * with role="alert" and nothing saved is lost.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { shareLink } from '../src/share/codec';
import type { Preset } from '../src/state/types';
import { APP_PORT } from '../playwright.config';
import { DEMO_ID, goTo, HUB, openLab, replyDone } from './lab';

test('α clamp note, Export lab → Import lab in a fresh profile, truncated file refused', async ({ page, browser }, info) => {
  test.skip(info.project.name !== 'wasm', 'one backend is enough');
  test.setTimeout(360_000);
  const preset: Preset = {
    name: 'loud',
    modelId: DEMO_ID,
    hubHost: HUB,
    layer: 1,
    positions: 'all',
    sampling: { temperature: 0, topK: 0, topP: 1 },
    seed: 3,
    maxNewTokens: 6,
    systemPrompt: '',
    prompt: 'Hello there',
    traits: [{ name: 'loudness', alpha: 900, vector: new Float32Array(128).fill(0.01) }],
    createdAt: 0,
  };
  await page.goto(shareLink(`http://localhost:${APP_PORT}/?hub=${encodeURIComponent(HUB)}&backend=wasm`, preset));
  const note = page.getByRole('status', { name: 'α clamped' });
  await expect(note).toContainText('loudness: α 900 is outside ±20; limited to 20', { timeout: 180_000 });
  await replyDone(page);
  await expect(page.getByRole('region', { name: 'Steered reply', exact: true })).toContainText('loudness +20.0');

  // save it as a preset, export the whole lab
  await goTo(page, 'Presets');
  await page.getByRole('textbox', { name: 'Preset name' }).fill('clamped preset');
  await page.getByRole('button', { name: 'Save preset' }).click();
  await expect(page.getByRole('list', { name: 'Saved presets' })).toContainText('clamped preset');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export lab' }).click();
  const file = await (await download).path();
  const text = readFileSync(file, 'utf8');
  const archive = JSON.parse(text);
  expect(archive).toMatchObject({ format: 'persona-lab-archive', version: 1, settings: { alphas: { loudness: 20 } } });
  expect(archive.presets.map((p: { name: string }) => p.name)).toContain('clamped preset');
  console.log(
    `[archive] ${text.length} characters, ${archive.vectors.length} vectors, ${archive.presets.length} presets, records: ${
      Object.entries(archive.records)
        .map(([k, v]) => `${k} ${(v as unknown[]).length}`)
        .join(', ') || 'none'
    }`,
  );

  // a truncated file: role="alert" naming the problem; the saved presets stay
  await page
    .getByLabel('Import lab file')
    .setInputFiles({ name: 'lab.json', mimeType: 'application/json', buffer: Buffer.from(text.slice(0, text.length >> 1)) });
  await expect(page.getByRole('alert')).toContainText('could not import the lab: the file is not valid JSON, perhaps truncated');
  await expect(page.getByRole('list', { name: 'Saved presets' })).toContainText('clamped preset');

  // a fresh profile: import restores presets, vectors and sliders
  const fresh = await browser.newContext();
  const p2 = await fresh.newPage();
  await openLab(p2);
  await goTo(p2, 'Presets');
  await expect(p2.getByRole('list', { name: 'Saved presets' })).toHaveCount(0);
  await p2.getByLabel('Import lab file').setInputFiles({ name: 'lab.json', mimeType: 'application/json', buffer: Buffer.from(text) });
  await expect(p2.getByRole('status').filter({ hasText: 'Imported' })).toContainText(/Imported 0 trait sets, 1 vectors, 1 presets/);
  await expect(p2.getByRole('list', { name: 'Saved presets' })).toContainText('clamped preset');
  await expect(p2.getByRole('alert')).toHaveCount(0);
  await goTo(p2, 'Chat & steer');
  await expect(p2.getByRole('slider', { name: 'loudness strength' })).toBeAttached();
  await fresh.close();
});
