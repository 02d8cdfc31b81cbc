/**
 * Issue 16 as a newcomer meets it (WASM project): the lab opens with the demo model loaded; send a question,
 * Extract the trait with the default settings, and the steering sweep after it puts the slider at its suggested
 * strength and steers the reply again. The lexicon judge scores the steered reply as the trait, written in sentences
 * of the demo's grammar, and the unsteered reply as not. Screenshot: e2e/screenshots/demo-steering.png.
 */
import { expect, test } from '@playwright/test';
import { judgeCoherence, judgeTrait } from '../src/persona/lexiconJudge';
import { goTo, openLab, replyDone, replyText, send, shot } from './lab';

const TRAIT = 'polite';
const QUESTION = 'How can I get better at cooking?';

test('Send → Extract → the suggested strength: the steered reply carries the trait in sentences, the unsteered one does not', async ({ page }, info) => {
  test.skip(info.project.name !== 'wasm', 'one backend is enough for the flow');
  // The shipped demo model's sweep suggests no strength (tools/demo-model/README.md, known limitations).
  // PERSONA_DEMO_STRICT=1 runs it as an ordinary test (as the Vitest demo checks do), to see where a build falls short.
  test.fail(process.env.PERSONA_DEMO_STRICT !== '1', 'the shipped demo model does not steer with the response_avg vector at the response positions');
  test.setTimeout(600_000);
  await openLab(page);
  await expect(page.getByRole('status')).toContainText(/persona-demo.*(WASM|WebGPU)/, { timeout: 60_000 });
  await send(page, QUESTION);

  await goTo(page, 'Traits');
  await page
    .getByRole('list', { name: 'Traits' })
    .getByRole('button', { name: new RegExp(`^${TRAIT}`) })
    .click();
  await page.getByRole('button', { name: 'Extract', exact: true }).click();
  const sweep = page.getByRole('group', { name: 'Steering sweep' });
  await expect(sweep.or(page.getByRole('alert'))).toBeVisible({ timeout: 480_000 });
  await expect(page.getByRole('alert')).toHaveCount(0);
  console.log(`[demo steering] ${(await sweep.textContent())?.slice(0, 400)}`);
  await expect(sweep).toContainText('Suggested:');

  await goTo(page, 'Chat & steer');
  await expect(page.locator('.suggested-alpha')).toBeVisible();
  await replyDone(page);
  const steered = await replyText(page, 'Steered reply');
  const unsteered = await replyText(page, 'Unsteered reply');
  const shown = (await page.locator('.alpha-value').first().textContent()) ?? '';
  const scores = { steered: judgeTrait(TRAIT, steered, QUESTION), unsteered: judgeTrait(TRAIT, unsteered, QUESTION), coherence: judgeCoherence(steered) };
  console.log(
    `[demo steering] ${shown}, ${await page.locator('.suggested-alpha').textContent()}\n[demo steering] unsteered (score ${scores.unsteered.toFixed(0)}): ${unsteered}\n[demo steering] steered (score ${scores.steered.toFixed(0)}, coherence ${scores.coherence.toFixed(0)}): ${steered}`,
  );
  await shot(page, 'demo-steering');
  expect(shown).not.toMatch(/^α 0\.0/);
  expect(scores.unsteered).toBeLessThan(50);
  expect(scores.steered).toBeGreaterThanOrEqual(50);
  expect(scores.coherence).toBeGreaterThanOrEqual(80);
});
