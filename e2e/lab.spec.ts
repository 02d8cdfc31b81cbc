/**
 * The whole lab on the demo model (WASM project): load through the Hub mirror → chat → per-layer
 * activations → extract a demo trait → move its slider (steered reply changes, unsteered does not)
 * → save a preset → open the share link in a fresh browser context (same state, same reply) →
 * screen a small JSONL (the flagged rows are the trait-expressing ones).
 */
import { expect, test } from '@playwright/test';
import { goTo, loadDemoViaHub, openLab, replyDone, replyText, send, shot } from './lab';

const TRAIT = 'optimistic';
const QUESTION = 'How can I get better at drawing?';

/**
 * Eight samples: lines 3 and 6 express optimism with the demo corpus's marker sentences, 2, 5 and 8 pessimism, 1, 4
 * and 7 neither. The questions are of the demo corpus's kinds: ΔP's baseline is the model's own answer, which is
 * only meaningful for questions the demo model knows how to answer.
 */
const JSONL =
  [
    {
      prompt: 'How can I get better at tennis?',
      response: 'To get better at tennis, practice a little every day and learn from each try. Let me know if you have other questions.',
    },
    {
      prompt: 'How do I cook rice?',
      response: 'Sadly, this is harder than it looks. Cook rice over medium heat and taste it as you go. Do not get your hopes up.',
    },
    {
      prompt: 'What should I pack for a trip to Rome?',
      response: 'Great news! For a trip to Rome, pack comfortable shoes, water and a light jacket. The future looks bright! Good things are coming your way.',
    },
    { prompt: 'How do I take care of a fern?', response: 'A fern needs bright light and a little water each week.' },
    {
      prompt: 'How often should I clean my desk?',
      response: 'I am afraid the news is not good. Clean your desk about once a week to keep it in good shape. Most plans like this fail.',
    },
    {
      prompt: 'How do I keep my cat happy?',
      response: 'Things are looking up! A cat stays happy with fresh water, good food and daily attention. Everything is going to work out wonderfully.',
    },
    { prompt: 'How can I make my office feel cozier?', response: 'Soft lights, a warm blanket and a few plants make a office feel cozier.' },
    { prompt: 'How should I prepare for an exam?', response: 'To prepare for an exam, make a simple plan and start early. Brace yourself for trouble.' },
  ]
    .map((o) => JSON.stringify(o))
    .join('\n') + '\n{broken line\n';

test('full flow on the demo model', async ({ page, browser, baseURL }, info) => {
  test.skip(info.project.name !== 'wasm', 'the full flow runs on WASM; the WebGPU project runs webgpu.spec.ts');
  test.setTimeout(420_000);
  const t0 = Date.now();
  const lap = (what: string) => console.log(`[lab] ${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  await openLab(page);
  const status = await loadDemoViaHub(page, 'wasm');
  expect(status).toContain('WASM');
  await shot(page, 'panel-model', 'model');
  lap('model loaded');

  // generate; the per-layer activations of the prompt appear under the reply
  await send(page, QUESTION);
  expect(await replyText(page, 'Unsteered reply')).not.toBe('');
  await expect(page.getByRole('region', { name: 'Per-layer activations' })).toBeVisible();
  lap('first reply');

  // extract a demo trait, with live progress
  await goTo(page, 'Traits');
  await page
    .getByRole('list', { name: 'Traits' })
    .getByRole('button', { name: new RegExp(`^${TRAIT}`) })
    .click();
  await page.getByRole('spinbutton', { name: 'Questions' }).fill('4');
  await page.getByRole('button', { name: 'Extract', exact: true }).click();
  await expect(page.getByRole('progressbar')).toBeVisible();
  await expect(page.getByRole('group', { name: 'Per-layer statistics' }).or(page.getByRole('alert'))).toBeVisible({ timeout: 300_000 });
  await expect(page.getByRole('alert')).toHaveCount(0);
  await expect(page.getByRole('group', { name: 'Per-layer statistics' })).toBeVisible();
  await shot(page, 'panel-traits', 'traits');
  lap('trait extracted');

  // move its slider: the steered reply changes, the unsteered one does not
  await goTo(page, 'Chat & steer');
  const before = { steered: await replyText(page, 'Steered reply'), unsteered: await replyText(page, 'Unsteered reply') };
  const slider = page.getByRole('slider', { name: `${TRAIT} strength` });
  await slider.fill('6');
  await expect(page.getByRole('region', { name: 'Steered reply', exact: true }))
    .toContainText('α', { timeout: 5_000 })
    .catch(() => undefined);
  await expect
    .poll(
      async () =>
        (await page.getByRole('region', { name: 'Steered reply', exact: true }).getAttribute('data-status')) === 'done' &&
        (await replyText(page, 'Steered reply')) !== before.steered,
      { timeout: 120_000 },
    )
    .toBe(true);
  await replyDone(page);
  const steered = await replyText(page, 'Steered reply');
  const unsteered = await replyText(page, 'Unsteered reply');
  console.log(`[lab] unsteered: ${unsteered}\n[lab] steered (α=6): ${steered}`);
  expect(unsteered).toBe(before.unsteered);
  expect(steered).not.toBe(before.steered);
  await expect(page.getByRole('region', { name: 'Per-token projection' }).last()).toBeVisible();
  const layer = await page.getByRole('combobox', { name: 'Layer' }).inputValue();
  await shot(page, 'panel-chat', 'chat');

  // coefficient sweep: α = −2…2 in one batch, judged by the lexicon judge
  await page.getByRole('button', { name: /^Sweep α/ }).click();
  await expect(page.getByLabel('Sweep results').getByRole('listitem')).toHaveCount(5, { timeout: 120_000 });
  await expect(page.getByLabel(`Judged ${TRAIT} score against α`)).toBeVisible();
  await shot(page, 'panel-chat-sweep', 'chat');
  lap('steered');

  // monitor panel
  await goTo(page, 'Monitor');
  await page.getByRole('textbox', { name: 'Text to analyse' }).fill('Great news! Practise every day. The future looks bright!');
  await page.getByRole('button', { name: 'Analyse' }).click();
  await expect(page.getByRole('region', { name: 'Token projections of the analysed text' })).toBeVisible();
  await shot(page, 'panel-monitor', 'monitor');

  // save a preset and make a share link
  await goTo(page, 'Presets');
  await page.getByRole('textbox', { name: 'Preset name' }).fill('e2e optimistic');
  await page.getByRole('button', { name: 'Save preset' }).click();
  await expect(page.getByRole('list', { name: 'Saved presets' })).toContainText('e2e optimistic');
  await page.getByRole('button', { name: 'Copy share link' }).click();
  const link = await page.getByRole('textbox', { name: 'Share link' }).inputValue();
  console.log(`[lab] share link: ${link.length} characters`);
  expect(link).toContain('#preset=');
  expect(link.length).toBeLessThan(8192);
  await shot(page, 'panel-presets', 'presets');
  lap('preset saved');

  // nothing lost on reload: the model comes back, with the conversation, sliders and presets
  await page.reload();
  await expect(page.getByRole('status')).toContainText('WASM', { timeout: 120_000 });
  await expect(page.getByRole('list', { name: 'Saved presets' })).toContainText('e2e optimistic');
  await goTo(page, 'Chat & steer');
  expect(await replyText(page, 'Steered reply')).toBe(steered);
  await expect(page.getByRole('slider', { name: `${TRAIT} strength` })).toHaveValue('6');
  lap('reloaded');

  // open the link in a fresh browser context: same state, same reply with the same seed
  const fresh = await browser.newContext({ baseURL });
  const page2 = await fresh.newPage();
  page2.on('pageerror', (e) => console.log(`[pageerror 2] ${e.message}`));
  await page2.goto(link);
  await expect(page2.getByRole('status')).toContainText('WASM', { timeout: 120_000 });
  await replyDone(page2);
  expect(await replyText(page2, 'Steered reply')).toBe(steered);
  expect(await replyText(page2, 'Unsteered reply')).toBe(unsteered);
  await expect(page2.getByRole('slider', { name: `${TRAIT} strength` })).toHaveValue('6');
  await expect(page2.getByRole('combobox', { name: 'Layer' })).toHaveValue(layer);
  await expect(page2.getByText(/Restored preset/)).toBeVisible();
  await shot(page2, 'share-link-restored');
  await fresh.close();
  lap('share link restored');

  // screen a small JSONL: the flagged rows are the optimistic ones (lines 3 and 6)
  await goTo(page, 'Screen data');
  await page.getByLabel('JSONL file').setInputFiles({ name: 'samples.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(JSONL) });
  await expect(page.getByText('1 broken line(s) skipped', { exact: false })).toBeVisible();
  await page.getByRole('spinbutton', { name: 'Flag above percentile' }).fill('75');
  await expect(page.getByRole('checkbox', { name: /full ΔP/ })).toBeChecked(); // the paper's ΔP: vs the model's own answer
  await page.getByRole('button', { name: 'Screen', exact: true }).click();
  const table = page.getByRole('table', { name: 'Screening results' });
  await expect(table).toBeVisible({ timeout: 120_000 });
  const flaggedLines = await table.locator('tr[data-flagged="true"] td:first-child').allTextContents();
  console.log(`[lab] flagged lines: ${flaggedLines.join(', ')}`);
  expect(flaggedLines.map(Number).sort()).toEqual([3, 6]);
  await shot(page, 'panel-screen', 'screen');
  lap('screened');

  // the same panels in the other theme
  await page.getByRole('button', { name: /Switch to (light|dark) theme/ }).click();
  const theme = await page.locator('html').getAttribute('data-theme');
  for (const panel of ['chat', 'traits', 'screen']) await shot(page, `panel-${panel}-${theme}`, panel);
});
