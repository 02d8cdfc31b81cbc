/** Errors, keyboard, themes and the tour link (WASM project; quick). */
import { expect, test } from '@playwright/test';
import { judgeTrait } from '../src/persona/lexiconJudge';
import { goTo, HUB, openLab, replyText, send, shot } from './lab';

test.beforeEach(({}, info) => test.skip(info.project.name !== 'wasm', 'UI checks run once, on the WASM project'));

test('a missing model and a broken share link give clear errors', async ({ page }) => {
  await openLab(page);
  await page.getByRole('combobox', { name: 'Model', exact: true }).fill('persona-lab/no-such-model');
  await page.getByRole('button', { name: 'Load model' }).click();
  const alert = page.getByRole('alert');
  await expect(alert).toBeVisible({ timeout: 60_000 });
  console.log(`[ui] missing model: ${await alert.textContent()}`);
  await expect(page.getByRole('status')).toContainText('failed');

  await page.goto(`/?hub=${encodeURIComponent(HUB)}#preset=1.AAAAbroken`);
  const linkAlert = page.getByRole('alert').filter({ hasText: /share link/ });
  await expect(linkAlert).toBeVisible();
  console.log(`[ui] broken link: ${await linkAlert.textContent()}`);
  await page.goto(`/?hub=${encodeURIComponent(HUB)}#preset=9.AAAA`);
  await expect(page.getByRole('alert').filter({ hasText: /version 9/ })).toBeVisible();
  await shot(page, 'error-share-link');
});

test('the lab opens with the bundled demo model loaded', async ({ page }) => {
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await openLab(page);
  // nothing clicked: the bundled copy (served with the page), not the Hub mirror
  await expect(page.getByRole('status')).toContainText(/persona-demo.*(WASM|WebGPU)/, { timeout: 60_000 });
  expect(requests.filter((u) => u.startsWith(HUB))).toEqual([]);
  await send(page, 'How can I get better at cooking?');
  expect((await replyText(page, 'Unsteered reply')).length).toBeGreaterThan(0);
});

test('keyboard: Alt+digits jump to panels; theme toggle persists', async ({ page }) => {
  await openLab(page);
  await page.keyboard.press('Alt+3');
  await expect(page.getByRole('heading', { name: 'Traits', level: 2, exact: true })).toBeFocused();
  await page.keyboard.press('Alt+6');
  await expect(page.getByRole('heading', { name: 'Presets', level: 2, exact: true })).toBeFocused();
  // every control is on the page whatever the panel in view
  await expect(page.getByRole('button', { name: 'Save preset' })).toBeAttached();
  await expect(page.getByRole('textbox', { name: 'Message' })).toBeAttached();
  const html = page.locator('html');
  const theme = await html.getAttribute('data-theme');
  await page.getByRole('button', { name: /Switch to (light|dark) theme/ }).click();
  await expect(html).not.toHaveAttribute('data-theme', theme!);
  await page.reload();
  await expect(html).not.toHaveAttribute('data-theme', theme!); // kept across reloads
  await page.keyboard.press('Alt+3');
  await shot(page, `page-${await html.getAttribute('data-theme')}`);
});

test('the tour opens at a step from its link and runs live', async ({ page }) => {
  await openLab(page, '#tour=2');
  const tour = page.getByRole('dialog', { name: 'Guided tour' });
  await expect(tour).toContainText('step 2 of 7');
  await expect(tour).toContainText('residual stream');
  await expect(page.getByRole('region', { name: 'Per-layer activations' })).toBeVisible({ timeout: 120_000 });
  await shot(page, 'tour-step-2');
  await tour.getByRole('button', { name: 'Back' }).click();
  await expect(tour).toContainText('step 1 of 7');
  await page.keyboard.press('Escape');
  await expect(tour).toHaveCount(0);
});

test('a local folder loads through the files source', async ({ page }) => {
  await openLab(page);
  await page.getByLabel('Model folder').setInputFiles('public/models/persona-demo');
  await expect(page.getByRole('status')).toContainText('local:persona-demo', { timeout: 60_000 });
  await expect(page.getByRole('status')).toContainText('WASM');
  await expect(page.getByText('4 decoder blocks')).toBeVisible();
});

test('a folder picked while the lab is still starting is not replaced by the demo it opens with', async ({ page }) => {
  // hold the demo traits the start-up fetches, so the pick lands before the start-up's own load of the demo
  let release = () => {};
  const held = new Promise<void>((r) => (release = r));
  await page.route('**/models/persona-demo/traits/*.json', async (route) => {
    await held;
    await route.continue();
  });
  await openLab(page);
  await page.getByLabel('Model folder').setInputFiles('public/models/persona-demo');
  await expect(page.getByRole('status')).toContainText('local:persona-demo', { timeout: 60_000 });
  release();
  await goTo(page, 'Traits');
  await expect(page.getByRole('list', { name: 'Traits' }).getByRole('button', { name: /^polite/ })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('status')).toContainText('local:persona-demo');
  await expect(page.getByRole('status')).not.toContainText('Loading');
});

test('tour step 5 steers the demo live: the steered reply differs from the unsteered one', async ({ page }) => {
  test.setTimeout(180_000);
  await openLab(page, '#tour=5');
  const tour = page.getByRole('dialog', { name: 'Guided tour' });
  await expect(tour).toContainText('Steering with a slider');
  await expect(tour.getByText('Running this step on the model…')).toHaveCount(0, { timeout: 150_000 });
  const steered = page.getByRole('region', { name: 'Steered reply', exact: true });
  await expect(steered).toHaveAttribute('data-status', 'done');
  const s = (await steered.locator('.reply-text').textContent()) ?? '';
  const u = (await page.getByRole('region', { name: 'Unsteered reply', exact: true }).locator('.reply-text').textContent()) ?? '';
  console.log(`[tour] unsteered: ${u}\n[tour] steered: ${s}`);
  expect(s).not.toBe(u);
  await shot(page, 'tour-step-5');
});

test('tour step 6 steers the prompt with the prompt_last vector: the steered reply is judged optimistic, the unsteered one not', async ({ page }) => {
  test.setTimeout(300_000);
  await openLab(page, '#tour=6');
  const tour = page.getByRole('dialog', { name: 'Guided tour' });
  await expect(tour).toContainText('step 6 of 7');
  await expect(tour).toContainText('Steering the question instead');
  await expect(tour.getByText('Running this step on the model…')).toHaveCount(0, { timeout: 280_000 });
  await expect(tour.getByRole('alert')).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'Steered reply', exact: true })).toHaveAttribute('data-status', 'done');
  await expect(page.getByRole('combobox', { name: 'Positions' })).toHaveValue('prompt');
  const question = 'How can I get better at drawing?';
  const steered = await replyText(page, 'Steered reply');
  const unsteered = await replyText(page, 'Unsteered reply');
  const scores = { steered: judgeTrait('optimistic', steered, question), unsteered: judgeTrait('optimistic', unsteered, question) };
  console.log(
    `[tour 6] layer ${await page.getByRole('combobox', { name: 'Layer' }).inputValue()}, ${await page.locator('.alpha-value').first().textContent()}\n[tour 6] unsteered (score ${scores.unsteered.toFixed(0)}): ${unsteered}\n[tour 6] steered (score ${scores.steered.toFixed(0)}): ${steered}`,
  );
  expect(scores.steered).toBeGreaterThanOrEqual(50);
  expect(scores.unsteered).toBeLessThan(50);
  await shot(page, 'tour-step-6');
});
