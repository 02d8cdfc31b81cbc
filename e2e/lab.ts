/** Shared steps for the UI specs (not a spec itself). */
import { expect, type Page } from '@playwright/test';
import { HUB_PORT } from '../playwright.config';

export const HUB = `http://127.0.0.1:${HUB_PORT}`;
export const DEMO_ID = 'persona-lab/persona-demo';

/** Jumps to a panel with the section navigation (every panel is on the page anyway). */
export async function goTo(page: Page, panel: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Panels' }).getByRole('button', { name: panel, exact: true }).click();
}

/** Opens the lab with the Hub mirror as the Hub host and a clean profile. */
export async function openLab(page: Page, hash = ''): Promise<void> {
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  await page.goto(`/?hub=${encodeURIComponent(HUB)}${hash}`);
  await expect(page.getByRole('heading', { name: 'Persona Lab' })).toBeVisible();
}

/** Loads the demo model through the Hub code path (the mirror) and waits for the status line. */
export async function loadDemoViaHub(page: Page, backend: 'auto' | 'wasm' = 'auto'): Promise<string> {
  await goTo(page, 'Model');
  const model = page.getByRole('combobox', { name: 'Model', exact: true });
  await model.fill(DEMO_ID);
  await page.getByRole('combobox', { name: 'Backend' }).selectOption(backend);
  await page.getByRole('button', { name: 'Load model' }).click();
  const status = page.getByRole('status');
  await expect(status).toContainText(/WebGPU|WASM/, { timeout: 180_000 });
  return (await status.textContent()) ?? '';
}

/**
 * Extracts a trait in the Traits panel, after choosing `readout` (and optionally the number of questions) in the
 * extraction settings; waits for its statistics, with no error shown.
 */
export async function extractWithReadout(page: Page, trait: string, readout: string, opts: { questions?: number; timeoutMs?: number } = {}): Promise<void> {
  await goTo(page, 'Traits');
  await page
    .getByRole('list', { name: 'Traits' })
    .getByRole('button', { name: new RegExp(`^${trait}`) })
    .click();
  if (opts.questions) await page.getByRole('spinbutton', { name: 'Questions' }).fill(String(opts.questions));
  await page
    .getByRole('group', { name: 'Readout' })
    .getByRole('radio', { name: new RegExp(`^${readout}`) })
    .check();
  await page.getByRole('button', { name: 'Extract', exact: true }).click();
  await expect(page.getByRole('group', { name: 'Per-layer statistics' }).or(page.getByRole('alert'))).toBeVisible({ timeout: opts.timeoutMs ?? 300_000 });
  await expect(page.getByRole('alert')).toHaveCount(0);
}

/** Sends a message on the chat tab and waits until both replies are finished. */
export async function send(page: Page, text: string): Promise<void> {
  await goTo(page, 'Chat & steer');
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await replyDone(page);
}

export async function replyDone(page: Page): Promise<void> {
  await expect(page.getByRole('region', { name: 'Steered reply', exact: true })).toHaveAttribute('data-status', 'done', { timeout: 180_000 });
}

export async function replyText(page: Page, which: 'Steered reply' | 'Unsteered reply'): Promise<string> {
  return ((await page.getByRole('region', { name: which, exact: true }).locator('.reply-text').textContent()) ?? '').trim();
}

/** Saves a screenshot: of one panel (`panel` = model, chat, traits, monitor, screen, presets) or of the viewport. */
export async function shot(page: Page, name: string, panel?: string): Promise<void> {
  const path = `e2e/screenshots/${name}.png`;
  const style = '.topbar { position: static !important; }';
  if (panel) await page.locator(`#panel-${panel}`).screenshot({ path, style });
  else await page.screenshot({ path, style });
}
