/**
 * Steering the prompt with the prompt_last vector (WASM project): on the demo model the answer's style is
 * settled at its first token, so the paper's response_avg vector added to the answer barely moves it, while the
 * prompt_last vector added to the prompt does. Through the UI: choose the prompt_last readout, extract the demo
 * trait, steer only the prompt at block 2 with α 4, send a question; the lexicon judge scores the steered reply
 * as optimistic and the unsteered one not. Switching to response mode then clamps α with the note. Both
 * projects; on WebGPU (SwiftShader, slow) the extraction uses 2 questions instead of the default 6.
 */
import { expect, test } from '@playwright/test';
import { judgeTrait } from '../src/persona/lexiconJudge';
import { extractWithReadout, goTo, loadDemoViaHub, openLab, replyText, send, shot } from './lab';

const TRAIT = 'optimistic';
const QUESTION = 'How can I get better at drawing?';

test('prompt_last readout, prompt-only steering: the steered reply is judged optimistic, the unsteered one not', async ({ page }, info) => {
  const gpu = info.project.name === 'webgpu';
  test.setTimeout(gpu ? 900_000 : 420_000);
  await openLab(page);
  expect(await loadDemoViaHub(page, gpu ? 'auto' : 'wasm')).toContain(gpu ? 'WebGPU' : 'WASM');
  await expect(page.getByRole('group', { name: 'Readout' }).getByRole('radio', { name: /^response_avg/ })).toBeChecked(); // the paper's, by default

  // extraction settings: the prompt_last readout, then extract
  await extractWithReadout(page, TRAIT, 'prompt_last', gpu ? { questions: 2, timeoutMs: 780_000 } : {});
  await expect(page.getByRole('group', { name: 'Per-layer statistics' })).toContainText('prompt_last vector');
  await expect(page.getByText(/prompt_last readout · \d+ \+ \d+ responses/)).toBeVisible();
  await shot(page, `extract-readout-${info.project.name}`, 'traits');

  // steer only the prompt, block 2, α 4 (ρ ≈ 7: beyond the 4× limit of response mode, within prompt mode's 12×)
  await goTo(page, 'Chat & steer');
  await page.getByRole('combobox', { name: 'Positions' }).selectOption('prompt');
  await page.getByRole('combobox', { name: 'Layer' }).selectOption('2');
  await page.getByRole('slider', { name: `${TRAIT} strength` }).fill('4');
  await send(page, QUESTION);
  const steered = await replyText(page, 'Steered reply');
  const unsteered = await replyText(page, 'Unsteered reply');
  const scores = { steered: judgeTrait(TRAIT, steered, QUESTION), unsteered: judgeTrait(TRAIT, unsteered, QUESTION) };
  const shown = (await page.locator('.alpha-value').first().textContent()) ?? '';
  console.log(
    `[prompt steering] ${shown}\n[prompt steering] unsteered (score ${scores.unsteered.toFixed(0)}): ${unsteered}\n[prompt steering] steered (score ${scores.steered.toFixed(0)}): ${steered}`,
  );
  expect(shown).toMatch(/^α 4\.0 · \d+% of ‖resid‖$/);
  await expect(page.getByRole('status', { name: 'α clamped' })).toHaveCount(0);
  expect(scores.steered).toBeGreaterThanOrEqual(50);
  expect(scores.unsteered).toBeLessThan(50);
  await shot(page, `prompt-steering-${info.project.name}`, 'chat');

  // back to steering the answer: α is clamped to that mode's limit, and the note says so
  await page.getByRole('combobox', { name: 'Positions' }).selectOption('response');
  await expect(page.getByRole('status', { name: 'α clamped' })).toContainText(
    /optimistic: α 4\.00 would add [\d.]+× the typical residual norm; limited to 4× \(α [\d.]+\) \(response mode\)/,
  );
  expect(await page.getByRole('slider', { name: `${TRAIT} strength` }).inputValue()).not.toBe('4');
});
