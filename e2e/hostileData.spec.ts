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

function savedVector(trait: string, seed: number) {
  const data = Float32Array.from({ length: 5 * 8 }, (_, i) => Math.sin(i + seed));
  return {
    trait, modelId: 'persona-lab/persona-demo', rows: 5, hidden: 8, data: { $typed: 'Float32Array', base64: Buffer.from(data.buffer).toString('base64url') },
    layer: 2, stats: null, typicalNorms: null, samples: { pos: 11, neg: 13 }, createdAt: 1,
  };
}

const LAB_FILE = JSON.stringify({
  format: 'persona-lab-archive', version: 1, createdAt: 1, settings: {}, traits: [], presets: [], records: {},
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
    await page.getByLabel('Import trait JSON').setInputFiles({ name: 'optimistic.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ ...OPTIMISTIC, name })) });
    await expect(page.getByRole('heading', { name: `Trait: ${name}` })).toBeVisible();
  }
  await page.getByRole('list', { name: 'Traits' }).getByRole('button', { name: /^__proto__/ }).click();
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
