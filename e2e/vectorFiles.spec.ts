/**
 * Vector files in the Traits panel (WASM project): extract a demo trait → Download vector
 * (safetensors) → Import vector into another trait → its slider steers (the steered reply differs
 * from the unsteered one) → its sweep is judged by the loaded model → a file made for another
 * hidden size gives role="alert".
 */
import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { writeSafetensors } from '../src/persona/safetensors';
import { goTo, loadDemoViaHub, openLab, replyDone, replyText, send, shot } from './lab';

const TRAIT = 'optimistic';
const TARGET = 'evil';

test('download a vector, import it into another trait, steer with it; a wrong-width file is refused', async ({ page }, info) => {
  test.skip(info.project.name !== 'wasm', 'runs on WASM (the extraction is too slow on SwiftShader)');
  test.setTimeout(420_000);
  await openLab(page);
  expect(await loadDemoViaHub(page, 'wasm')).toContain('WASM');

  // extract a demo trait
  await goTo(page, 'Traits');
  const traits = page.getByRole('list', { name: 'Traits' });
  await traits.getByRole('button', { name: new RegExp(`^${TRAIT}`) }).click();
  await page.getByRole('spinbutton', { name: 'Questions' }).fill('4');
  await page.getByRole('button', { name: 'Extract', exact: true }).click();
  await expect(page.getByRole('group', { name: 'Per-layer statistics' }).or(page.getByRole('alert'))).toBeVisible({ timeout: 300_000 });
  await expect(page.getByRole('alert')).toHaveCount(0);

  // download it as safetensors (keyboard: focus the button, press Enter)
  await page.getByRole('combobox', { name: 'Vector format' }).selectOption('safetensors');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download vector' }).focus();
  await page.keyboard.press('Enter');
  const file = await download;
  expect(file.suggestedFilename()).toMatch(new RegExp(`^${TRAIT}\\..*\\.safetensors$`));
  const path = test.info().outputPath(file.suggestedFilename());
  await file.saveAs(path);
  const bytes = readFileSync(path);
  expect(bytes.length).toBeGreaterThan(8);

  // import it into another trait: that trait gets a vector and a slider
  await traits.getByRole('button', { name: new RegExp(`^${TARGET}`) }).click();
  await expect(page.getByRole('button', { name: 'Download vector' })).toBeDisabled();
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Import vector' }).click();
  await (await chooser).setFiles(path);
  await expect(page.getByText(/imported from .*\.safetensors/).first()).toBeVisible();
  await expect(page.getByRole('button', { name: 'Download vector' })).toBeEnabled();
  await expect(page.getByRole('alert')).toHaveCount(0);
  await shot(page, 'panel-traits-vector-imported', 'traits');

  // it steers: with its slider up, the steered reply differs from the unsteered one
  await send(page, 'How can I get better at drawing?');
  const slider = page.getByRole('slider', { name: `${TARGET} strength` });
  await expect(slider).toBeEnabled();
  await slider.fill('6');
  await expect
    .poll(
      async () =>
        (await page.getByRole('region', { name: 'Steered reply', exact: true }).getAttribute('data-status')) === 'done' &&
        (await replyText(page, 'Steered reply')) !== (await replyText(page, 'Unsteered reply')),
      { timeout: 120_000 },
    )
    .toBe(true);
  await replyDone(page);
  console.log(
    `[vectors] unsteered: ${await replyText(page, 'Unsteered reply')}\n[vectors] steered with the imported vector (α=6): ${await replyText(page, 'Steered reply')}`,
  );
  await expect(page.getByRole('region', { name: 'Steered reply', exact: true })).toContainText(`${TARGET} +6.0`);
  await expect(page.getByRole('region', { name: 'Per-token projection' }).last()).toBeVisible();

  // the sweep for a non-demo trait is judged by the loaded model by default
  await page.getByRole('combobox', { name: 'Sweep trait' }).selectOption(TARGET);
  await expect(page.getByRole('combobox', { name: 'Sweep judge' })).toHaveValue('self');
  await page.getByRole('button', { name: /^Sweep α/ }).click();
  await expect(page.getByLabel('Sweep results').getByRole('listitem')).toHaveCount(5, { timeout: 120_000 });
  // each α also reads as ρ, its strength relative to the residual stream at the layer (the unsteered one has none)
  await expect(page.getByLabel('Sweep results').getByRole('listitem').last()).toContainText(/α \+[\d.]+ρ \+\d+\.\d\d/);
  await expect(page.getByLabel('Sweep results').getByRole('listitem').nth(2)).not.toContainText('ρ');
  await expect(page.getByLabel(`Judged ${TARGET} score against α`).or(page.getByText(/the model gave no usable score/))).toBeVisible({ timeout: 120_000 });
  await expect(page.getByRole('alert')).toHaveCount(0);

  // a vector for another hidden size is refused with an alert that says what and what to do
  await goTo(page, 'Traits');
  await traits.getByRole('button', { name: new RegExp(`^${TARGET}`) }).click();
  const wrong = writeSafetensors({ vector: { shape: [5, 7], data: new Float32Array(35).fill(0.5) } }, { layer: '2', model_id: 'someone/tiny' });
  const chooser2 = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Import vector' }).click();
  await (await chooser2).setFiles({ name: 'wrong-width.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from(wrong) });
  const alert = page.getByRole('alert');
  await expect(alert).toBeVisible();
  await expect(alert).toContainText('hidden size is 7');
  await expect(alert).toContainText(/Import a vector made for/);
  await shot(page, 'panel-traits-vector-import-error', 'traits');
});
