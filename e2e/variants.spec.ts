/**
 * The Model panel's variant picker in a real browser: a repository served by a local Hub mirror
 * (tree API and resolve URLs, every request logged) holds the demo model as fp32 (one file), q4
 * (graph + two external-data chunks) and a 4.5 GB q8 (a sparse file). The picker shows each size
 * before any download, a pick is what gets fetched, and the too-big one is refused with nothing fetched.
 */
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { addHugeVariant, addVariant, startRepo } from '../src/engine/testing/variantRepos';
import { formatBytes } from '../src/engine/variants';
import { goTo } from './lab';
import { startHubMirror, type MirrorRequest } from './hubMirror';

const REPO = 'persona-lab/variants-demo';
const DEMO_DIR = join(import.meta.dirname, '../public/models/persona-demo');
const HUGE = 4.5 * 2 ** 30;

test.use({ storageState: { cookies: [], origins: [] } });
test.beforeEach(({}, info) => test.skip(info.project.name !== 'wasm', 'UI checks run once, on the WASM project'));

let dir: string;
let mirror: { server: Server; url: string; requests: MirrorRequest[] };

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'persona-lab-e2e-variants-'));
  startRepo(DEMO_DIR, dir);
  addVariant(dir, join(DEMO_DIR, 'onnx/model.onnx'), 'onnx/model_q4.onnx', ['model_q4.onnx_data', 'model_q4.onnx_data_1']);
  copyFileSync(join(DEMO_DIR, 'onnx/model.onnx'), join(dir, 'onnx/model.onnx'));
  addHugeVariant(dir, join(DEMO_DIR, 'onnx/model.onnx'), 'onnx/model_quantized.onnx', 'model_quantized.onnx_data', HUGE);
  mirror = await startHubMirror(0, { [REPO]: dir });
});

test.afterAll(async () => {
  await new Promise<void>((ok) => mirror.server.close(() => ok()));
  rmSync(dir, { recursive: true, force: true });
});

const size = (...files: string[]) => formatBytes(files.reduce((n, f) => n + statSync(join(dir, f)).size, 0));

/** Repository files downloaded (GET) since `from`. */
function downloaded(from: number): string[] {
  const prefix = `/${REPO}/resolve/main/`;
  return mirror.requests
    .slice(from)
    .filter((r) => r.method === 'GET' && r.status === 200 && r.path.startsWith(prefix))
    .map((r) => r.path.slice(prefix.length));
}

async function openModelPanel(page: Page): Promise<void> {
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  await page.goto('/?backend=wasm');
  await expect(page.getByRole('heading', { name: 'Persona Lab' })).toBeVisible();
  await goTo(page, 'Model');
  await page.locator('details.advanced', { hasText: 'Hub host' }).locator('summary').click();
  await page.getByRole('textbox', { name: 'Hub host' }).fill(mirror.url);
  await page.getByRole('combobox', { name: 'Model', exact: true }).fill(REPO);
  await page.getByRole('combobox', { name: 'Backend' }).selectOption('wasm');
}

test('the picker lists every variant with its size before download; the pick is what loads; a too-big one is refused with nothing fetched', async ({
  page,
}) => {
  await openModelPanel(page);
  const start = mirror.requests.length;
  await page.getByRole('button', { name: 'Show variants' }).click();
  // Another host than the official Hub: the lab asks before contacting it, listing included.
  const consent = page.getByRole('dialog', { name: /Allow the lab to contact/ });
  await consent.getByRole('button', { name: `Allow ${new URL(mirror.url).host}` }).click();

  const picker = page.getByRole('group', { name: 'Variant' });
  await expect(picker).toBeVisible();
  const fp32 = picker.getByRole('radio', { name: /^fp32 · / });
  const q4 = picker.getByRole('radio', { name: /^q4 · / });
  const q8 = picker.getByRole('radio', { name: /^q8 · / });
  const q4Files = ['onnx/model_q4.onnx', 'onnx/model_q4.onnx_data', 'onnx/model_q4.onnx_data_1'];
  await expect(fp32).toHaveAccessibleName(`fp32 · ${size('onnx/model.onnx')} onnx/model.onnx (${size('onnx/model.onnx')}) · runs on WASM`);
  // Each file with its own size, and the variant's total.
  await expect(q4).toHaveAccessibleName(
    `q4 · ${size(...q4Files)} onnx/model_q4.onnx (${size(q4Files[0])}), model_q4.onnx_data (${size(q4Files[1])}), model_q4.onnx_data_1 (${size(q4Files[2])}) · runs on WASM`,
  );
  await expect(q8).toHaveAccessibleName(/^q8 · 4\.50 GB .*won't fit: q8 needs 4\.50 GB, more than WASM can hold/);
  await expect(picker.getByRole('radio', { name: /^Automatic — q4 on WASM/ })).toBeChecked();
  console.log(`[variants] ${(await picker.textContent())?.replace(/\s+/g, ' ')}`);
  // Listing downloaded no model file: only the tree API and small JSON files were asked for.
  expect(downloaded(start).filter((p) => p.startsWith('onnx/'))).toEqual([]);
  expect(mirror.requests.slice(start).some((r) => r.path === `/api/models/${REPO}/tree/main`)).toBe(true);

  // The pick is honoured: fp32, not the automatic q4.
  await fp32.check();
  let from = mirror.requests.length;
  await page.getByRole('button', { name: 'Load model' }).click();
  await expect(page.getByRole('status')).toContainText(`${REPO} on WASM`, { timeout: 120_000 });
  expect(downloaded(from).filter((p) => p.startsWith('onnx/'))).toEqual(['onnx/model.onnx']);

  // q4: its graph and both chunks, nothing else of onnx/.
  await q4.check();
  from = mirror.requests.length;
  await page.getByRole('button', { name: 'Load model' }).click();
  await expect(page.getByText('file onnx/model_q4.onnx')).toBeVisible({ timeout: 120_000 });
  expect(downloaded(from).filter((p) => p.startsWith('onnx/'))).toEqual(['onnx/model_q4.onnx', 'onnx/model_q4.onnx_data', 'onnx/model_q4.onnx_data_1']);

  // q8 is refused before download, naming what fits; the loaded model stays.
  await q8.check();
  from = mirror.requests.length;
  await page.getByRole('button', { name: 'Load model' }).click();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('q8 needs 4.50 GB, more than WASM can hold');
  await expect(alert).toContainText('nothing was downloaded');
  await expect(alert).toContainText(`q4 (${size('onnx/model_q4.onnx', 'onnx/model_q4.onnx_data', 'onnx/model_q4.onnx_data_1')})`);
  expect(downloaded(from).filter((p) => p.startsWith('onnx/'))).toEqual([]);
});
