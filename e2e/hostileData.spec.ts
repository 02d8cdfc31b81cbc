/**
 * Issue 20, the repro: a copy of the demo's optimistic.json named "__proto__" (then one named
 * "constructor") is imported into a lab that holds saved vectors. Before, the lab blanked
 * (TraitDetail read vectors["__proto__"].samples.pos from Object.prototype) and stayed blank after
 * a reload. Now the trait shows, every panel still works, and after a reload the traits and the
 * saved vectors are all there. No model is needed: the saved vectors come from a lab file.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { goTo, openLab } from './lab';

const OPTIMISTIC = JSON.parse(readFileSync(new URL('../public/models/persona-demo/traits/optimistic.json', import.meta.url), 'utf8'));

function savedVector(trait: string, seed: number, hidden = 8) {
  const data = Float32Array.from({ length: 5 * hidden }, (_, i) => Math.sin(i + seed));
  return {
    trait,
    modelId: 'persona-lab/persona-demo',
    rows: 5,
    hidden,
    data: { $typed: 'Float32Array', base64: Buffer.from(data.buffer).toString('base64url') },
    layer: 2,
    stats: null,
    typicalNorms: null,
    samples: { pos: 11, neg: 13 },
    createdAt: 1,
  };
}

const LAB_FILE = JSON.stringify({
  format: 'persona-lab-archive',
  version: 1,
  createdAt: 1,
  settings: {},
  traits: [],
  presets: [],
  records: {},
  vectors: [savedVector('optimistic', 1), savedVector('constructor', 2)],
});

async function labWorks(page: Page, selected: string): Promise<void> {
  await goTo(page, 'Traits');
  const list = page.getByRole('list', { name: 'Traits' });
  for (const name of ['__proto__', 'constructor', 'optimistic']) await expect(list.getByRole('button', { name: new RegExp(`^${name}`) })).toBeVisible();
  // the saved vectors are still there (the "vector" badge), and the hostile names have only their own
  await expect(list.getByRole('button', { name: /^optimistic.*vector/ })).toBeVisible();
  await expect(list.getByRole('button', { name: /^constructor.*vector/ })).toBeVisible();
  await expect(list.getByRole('button', { name: /^__proto__.*vector/ })).toHaveCount(0);
  await expect(page.getByRole('heading', { name: `Trait: ${selected}` })).toBeVisible();
  for (const name of ['__proto__', 'constructor']) {
    await list.getByRole('button', { name: new RegExp(`^${name}`) }).click();
    await expect(page.getByRole('heading', { name: `Trait: ${name}` })).toBeVisible();
  }
  await list.getByRole('button', { name: new RegExp(`^${selected}`) }).click();
  for (const panel of ['Chat & steer', 'Presets', 'Model']) {
    await goTo(page, panel);
    await expect(page.getByRole('heading', { name: 'Persona Lab' })).toBeVisible();
  }
}

test('a trait named "__proto__" or "constructor": the lab stays usable, also after a reload, and saved vectors stay', async ({ page }, info) => {
  test.skip(info.project.name !== 'wasm', 'no model runs; one backend is enough');
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await openLab(page);

  // saved work first: two vectors from a lab file (one for the trait "constructor")
  await goTo(page, 'Presets');
  await page.getByLabel('Import lab file').setInputFiles({ name: 'lab.json', mimeType: 'application/json', buffer: Buffer.from(LAB_FILE) });
  await expect(page.getByRole('status').filter({ hasText: 'Imported' })).toContainText('Imported 0 trait sets, 2 vectors');

  await goTo(page, 'Traits');
  for (const name of ['__proto__', 'constructor']) {
    await page
      .getByLabel('Import trait JSON')
      .setInputFiles({ name: 'optimistic.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ ...OPTIMISTIC, name })) });
    await expect(page.getByRole('heading', { name: `Trait: ${name}` })).toBeVisible();
  }
  await page
    .getByRole('list', { name: 'Traits' })
    .getByRole('button', { name: /^__proto__/ })
    .click();
  await labWorks(page, '__proto__');

  // a trait file holding [] says what was wrong instead of importing nothing silently
  await goTo(page, 'Traits');
  await page.getByLabel('Import trait JSON').setInputFiles({ name: 'empty.json', mimeType: 'application/json', buffer: Buffer.from('[]') });
  await expect(page.getByText(/the file holds an empty list, so there was no trait to import/)).toBeVisible();

  await page.reload();
  await expect(page.getByRole('heading', { name: 'Persona Lab' })).toBeVisible();
  await labWorks(page, '__proto__');
  expect(errors).toEqual([]);
});

test('trait names that look like chart fields or paths ("turn", "a.b", "__proto__") chart as themselves in the monitor', async ({ page }, info) => {
  test.skip(info.project.name !== 'wasm', 'one backend is enough');
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await openLab(page);
  await expect(page.getByRole('status')).toContainText(/persona-demo.*(WASM|WebGPU)/, { timeout: 120_000 });
  // vectors the demo model can use (hidden 128, 4 blocks), active with α 0
  const names = ['turn', 'a.b', '__proto__'];
  const file = JSON.stringify({
    format: 'persona-lab-archive',
    version: 1,
    createdAt: 1,
    traits: [],
    presets: [],
    records: {},
    settings: { active: names, alphas: Object.fromEntries(names.map((n) => [n, 0])) },
    vectors: names.map((n, i) => savedVector(n, i + 1, 128)),
  });
  await goTo(page, 'Presets');
  await page.getByLabel('Import lab file').setInputFiles({ name: 'lab.json', mimeType: 'application/json', buffer: Buffer.from(file) });
  await expect(page.getByRole('status').filter({ hasText: 'Imported' })).toContainText('Imported 0 trait sets, 3 vectors');
  await goTo(page, 'Monitor');
  await page.getByRole('textbox', { name: 'Text to analyse' }).fill('What a wonderful bright day it is.');
  await page.getByRole('button', { name: 'Analyse' }).click();
  const chart = page.getByRole('region', { name: 'Token projections of the analysed text' });
  await expect(chart).toBeVisible({ timeout: 60_000 });
  // one drawn line per trait (a name used as a recharts path or a row field would draw nothing or the wrong series)
  const lines = chart.locator('path.recharts-line-curve');
  await expect(lines).toHaveCount(3);
  for (let k = 0; k < 3; k++) expect(await lines.nth(k).getAttribute('d')).toMatch(/^M[\d.-]+,[\d.-]+L/);
  for (const n of names) await expect(chart.locator('.recharts-legend-item-text', { hasText: n })).toHaveCount(1);
  expect(errors).toEqual([]);
});
