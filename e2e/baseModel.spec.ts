/**
 * A base model in the lab (issue 17): the GPT-2 conformance replica without a chat template, with a
 * word-level tokenizer (src/engine/testing/baseModelReplica.ts), served by a local Hub mirror. Chat
 * says the prompt is plain text and hides the system prompt, a message gets a continuation, and
 * Traits, Monitor and Screen each say what differs.
 */
import { rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { expect, test } from '@playwright/test';
import { writeBaseModelReplica } from '../src/engine/testing/baseModelReplica';
import { goTo, replyDone } from './lab';
import { startHubMirror, type MirrorRequest } from './hubMirror';

const REPO = 'persona-lab/base-gpt2';

test.use({ storageState: { cookies: [], origins: [] } });
test.beforeEach(({}, info) => test.skip(info.project.name !== 'wasm', 'UI checks run once, on the WASM project'));

let dir: string;
let mirror: { server: Server; url: string; requests: MirrorRequest[] };

test.beforeAll(async () => {
  dir = writeBaseModelReplica();
  mirror = await startHubMirror(0, { [REPO]: dir });
});

test.afterAll(async () => {
  await new Promise<void>((ok) => mirror.server.close(() => ok()));
  rmSync(dir, { recursive: true, force: true });
});

test('a model without a chat template gets a completion view and a note in every panel', async ({ page }) => {
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  await page.goto('/?backend=wasm');
  await expect(page.getByRole('heading', { name: 'Persona Lab' })).toBeVisible();
  await goTo(page, 'Model');
  await page.locator('details.advanced', { hasText: 'Hub host' }).locator('summary').click();
  await page.getByRole('textbox', { name: 'Hub host' }).fill(mirror.url);
  await page.getByRole('combobox', { name: 'Model', exact: true }).fill(REPO);
  await page.getByRole('combobox', { name: 'Backend' }).selectOption('wasm');
  await page.getByRole('button', { name: 'Load model' }).click();
  await page
    .getByRole('dialog', { name: /Allow the lab to contact/ })
    .getByRole('button', { name: `Allow ${new URL(mirror.url).host}` })
    .click();
  await expect(page.getByRole('status')).toContainText(/WASM/, { timeout: 180_000 });

  await goTo(page, 'Chat & steer');
  await expect(page.getByTestId('base-model-note-chat')).toHaveText(/^Base model \(no chat template\): the prompt is plain text and the reply continues it/);
  await expect(page.locator('summary', { hasText: 'System prompt' })).toHaveCount(0);
  await expect(page.getByRole('textbox', { name: 'Message' })).toHaveAttribute('placeholder', /Text for the model to continue/);
  await page.getByRole('textbox', { name: 'Message' }).fill('How is the day ?');
  await page.getByRole('button', { name: 'Send' }).click();
  await replyDone(page);
  await expect(page.getByRole('alert')).toHaveCount(0);

  await expect(page.getByTestId('base-model-note-monitor')).toContainText('the prompt is read as plain text');
  await expect(page.getByTestId('base-model-note-screen')).toContainText('Question: {prompt} Answer: {response}');
  await goTo(page, 'Traits');
  await expect(page.getByTestId('base-model-note-traits')).toContainText('narrator’s framing');
});
