/**
 * "Import vector" on the demo model (WASM project). Onto a trait that already has a vector it asks
 * first: the first file becomes the trait's vector without a question; a second file brings up
 * "Replace the vector of …?"; "Keep the current one" leaves the first vector (its downloaded
 * values are the first file's); "Replace" makes the second file the vector. A file larger than any
 * vector of the model can be is refused by its size, with both sizes in the alert.
 */
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { makePersonaVector } from '../src/persona/personaVector';
import { exportVectorSafetensors, importVectorSafetensors } from '../src/persona/vectorFile';
import { goTo, openLab } from './lab';

const TRAIT = 'evil';
const ROWS = 5, // the demo model: 4 blocks and the embedding row, 128 wide
  HIDDEN = 128;

function vectorFile(name: string, seed: number): { name: string; mimeType: string; buffer: Buffer; data: Float32Array } {
  const data = Float32Array.from({ length: ROWS * HIDDEN }, (_, i) => Math.sin(i * seed + 0.25));
  const bytes = exportVectorSafetensors(makePersonaVector(ROWS, HIDDEN, data, { modelId: 'persona-lab/persona-demo', layer: 2 }));
  return { name, mimeType: 'application/octet-stream', buffer: Buffer.from(bytes), data };
}

async function openTrait(page: Page): Promise<void> {
  await openLab(page);
  await expect(page.getByRole('status')).toContainText(/persona-demo.*(WASM|WebGPU)/, { timeout: 120_000 });
  await goTo(page, 'Traits');
  await page
    .getByRole('list', { name: 'Traits' })
    .getByRole('button', { name: new RegExp(`^${TRAIT}`) })
    .click();
  await expect(page.getByRole('button', { name: 'Download vector' })).toBeDisabled();
}

async function importFile(page: Page, file: { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Import vector' }).click();
  await (await chooser).setFiles(file);
}

/** The values of the trait's vector, as "Download vector" (safetensors) gives them. */
async function downloadedValues(page: Page): Promise<number[]> {
  await page.getByRole('combobox', { name: 'Vector format' }).selectOption('safetensors');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download vector' }).click();
  const path = test.info().outputPath(`${Date.now()}-${(await download).suggestedFilename()}`);
  await (await download).saveAs(path);
  return Array.from(importVectorSafetensors(new Uint8Array(readFileSync(path))).data);
}

test('Import vector onto a trait with a vector asks first: Keep leaves it, Replace replaces it', async ({ page }, info) => {
  test.skip(info.project.name !== 'wasm', 'one backend is enough');
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await openTrait(page);
  const question = page.getByRole('group', { name: 'Replace vector' });

  // no vector yet: the first file becomes the vector without a question
  const first = vectorFile('first.safetensors', 1);
  await importFile(page, first);
  await expect(page.getByText(/imported from first\.safetensors/)).toBeVisible();
  await expect(question).toHaveCount(0);

  // a second file: the question, and nothing replaced until it is answered
  const second = vectorFile('second.safetensors', 2);
  await importFile(page, second);
  await expect(question).toContainText(`Replace the vector of ${TRAIT} with second.safetensors?`);
  await expect(question).toContainText('imported from first.safetensors');
  await question.getByRole('button', { name: 'Keep the current one' }).click();
  await expect(question).toHaveCount(0);
  await expect(page.getByText(/imported from first\.safetensors/)).toBeVisible();
  expect(await downloadedValues(page)).toEqual(Array.from(first.data));

  // asked again, Replace: the second file is the vector now
  await importFile(page, second);
  await question.getByRole('button', { name: 'Replace' }).click();
  await expect(question).toHaveCount(0);
  await expect(page.getByText(/imported from second\.safetensors/)).toBeVisible();
  expect(await downloadedValues(page)).toEqual(Array.from(second.data));
  await expect(page.getByRole('alert')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('a vector file larger than the model allows is refused by its size (picked from the keyboard)', async ({ page }, info) => {
  test.skip(info.project.name !== 'wasm', 'one backend is enough');
  await openTrait(page);
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Import vector' }).focus();
  await page.keyboard.press('Enter');
  // 9 MB; the demo's cap is the 8 MB floor (5 rows × 128 values are far below it)
  await (await chooser).setFiles({ name: 'huge.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.alloc(9_000_000) });
  await expect(page.getByRole('alert')).toContainText(
    'huge.safetensors: the file is 9.0 MB; a vector file for persona-lab/persona-demo may be at most 8.0 MB, so it was not read',
  );
  await expect(page.getByRole('button', { name: 'Download vector' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Import vector' })).toBeEnabled();
});
