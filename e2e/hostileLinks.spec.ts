/**
 * Issue 20, the UI half: nothing a stranger sends can make the lab call another host, blank it, or
 * poison the chat. A local server on 127.0.0.1 stands in for the stranger's host and records every
 * request; each browser profile starts empty (no host allowed).
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { expect, test, type Page } from '@playwright/test';
import { shareLink } from '../src/share/codec';
import type { Preset } from '../src/state/types';
import { APP_PORT } from '../playwright.config';
import { startHubMirror } from './hubMirror';
import { DEMO_ID, goTo, replyDone } from './lab';

test.use({ storageState: { cookies: [], origins: [] } });
test.beforeEach(({}, info) => test.skip(info.project.name !== 'wasm', 'UI checks run once, on the WASM project'));

let stranger: { server: Server; url: string };
/** Every request the stranger's host received (method and path). */
const received: string[] = [];

test.beforeAll(async () => {
  stranger = await startHubMirror(0);
  stranger.server.prependListener('request', (req) => received.push(`${req.method} ${req.url}`));
});
test.afterAll(() => new Promise<void>((ok) => stranger.server.close(() => ok())));
test.beforeEach(() => {
  received.length = 0;
});

const SETTINGS_KEY = 'persona-lab:state-v1';
const APPROVED_KEY = 'persona-lab:approved-hosts-v1';

function strangerPreset(patch: Partial<Preset>): Preset {
  return {
    name: 'friendly preset',
    modelId: DEMO_ID,
    layer: 1,
    positions: 'all',
    sampling: { temperature: 0, topK: 0, topP: 1 },
    seed: 3,
    maxNewTokens: 6,
    systemPrompt: '',
    prompt: 'Hello there',
    traits: [{ name: 'stranger trait', alpha: 1, vector: new Float32Array(128).fill(0.01) }],
    createdAt: 0,
    ...patch,
  };
}

/** What this browser keeps: the settings document and the approved hosts, as text. */
async function savedText(page: Page): Promise<string> {
  return page.evaluate(([s, a]) => `${localStorage.getItem(s) ?? ''}\n${localStorage.getItem(a) ?? ''}`, [SETTINGS_KEY, APPROVED_KEY]);
}

/** Opens the plain lab page (a later visit) and waits until it has restored what was saved. */
async function revisit(page: Page): Promise<void> {
  await page.goto('/?backend=wasm');
  await expect(page.getByRole('heading', { name: 'Persona Lab' })).toBeVisible();
  await goTo(page, 'Model');
  await page.locator('details.advanced', { hasText: 'Hub host' }).locator('summary').click();
}

async function loadBundledDemo(page: Page): Promise<void> {
  await page.goto('/?backend=wasm');
  await goTo(page, 'Model');
  await page.getByRole('combobox', { name: 'Model', exact: true }).fill('demo');
  await page.getByRole('button', { name: 'Load model' }).click();
  await expect(page.getByRole('status')).toContainText(`${DEMO_ID} on WASM`, { timeout: 120_000 });
}

/** The lab's status line (the header's role="status"; notices have their own). */
const statusLine = (page: Page) => page.locator('header').getByRole('status');
const consent = (page: Page) => page.getByRole('dialog', { name: /Allow the lab to contact/ });

test('a share link naming another Hub host contacts it only after "Allow"; "Don\'t load" saves nothing', async ({ page }) => {
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  const link = shareLink(`http://localhost:${APP_PORT}/?backend=wasm`, strangerPreset({ hubHost: stranger.url }));
  await page.goto(link);
  const card = consent(page);
  await expect(card).toBeVisible();
  await expect(card).toContainText(`The share link you opened wants to load ${DEMO_ID} from ${stranger.url}`);
  console.log(`[hostile] consent card: ${await card.textContent()}`);
  expect(received).toEqual([]);

  await card.getByRole('button', { name: "Don't load" }).click();
  await expect(page.getByLabel('New host declined')).toContainText(`Nothing was loaded from ${stranger.url}`);
  await expect(page.getByRole('slider', { name: 'stranger trait strength' })).toHaveCount(0);
  expect(received).toEqual([]);

  // a later visit: nothing of the link was kept, and nothing asks or calls the stranger
  await revisit(page);
  await expect(page.getByRole('textbox', { name: 'Hub host' })).toHaveValue('https://huggingface.co');
  await expect(page.getByRole('list', { name: 'Allowed hosts' })).toHaveCount(0);
  await expect(consent(page)).toHaveCount(0);
  expect(await savedText(page)).not.toContain(stranger.url);
  expect(received).toEqual([]);

  // the same link again, now allowed: the lab loads from the stranger, remembers it, and can revoke it
  await page.goto(link);
  await consent(page)
    .getByRole('button', { name: `Allow ${new URL(stranger.url).host}` })
    .click();
  await expect(page.getByRole('status')).toContainText(`${DEMO_ID} on WASM`, { timeout: 120_000 });
  await replyDone(page);
  expect(received).toContain(`GET /${DEMO_ID}/resolve/main/config.json`);
  console.log(`[hostile] after "Allow": ${received.length} requests to the stranger`);
  await revisit(page);
  const allowed = page.getByRole('list', { name: 'Allowed hosts' });
  await expect(allowed).toContainText(stranger.url);
  await page.getByRole('button', { name: `Revoke ${stranger.url}` }).click();
  await expect(allowed).toHaveCount(0);
  await expect(page.getByRole('textbox', { name: 'Hub host' })).toHaveValue('https://huggingface.co');
});

test('a share link whose model is a URL on another host, and ?hub= in the address, wait for consent', async ({ page }) => {
  const modelUrl = `${stranger.url}/${DEMO_ID}/resolve/main`;
  await page.goto(shareLink(`http://localhost:${APP_PORT}/?backend=wasm`, strangerPreset({ modelId: modelUrl })));
  await expect(consent(page)).toContainText(`wants to load ${modelUrl} from ${stranger.url}`);
  expect(received).toEqual([]);
  await consent(page).getByRole('button', { name: "Don't load" }).click();
  expect(received).toEqual([]);

  await page.goto(`/?backend=wasm&hub=${encodeURIComponent(stranger.url)}&model=${encodeURIComponent(DEMO_ID)}`);
  await expect(consent(page)).toContainText(`The page address wants to load models from ${stranger.url}`);
  await consent(page).getByRole('button', { name: "Don't load" }).click();
  await revisit(page);
  await expect(page.getByRole('textbox', { name: 'Hub host' })).toHaveValue('https://huggingface.co');
  expect(await savedText(page)).not.toContain(stranger.url);
  expect(received).toEqual([]);
});

test('a lab file naming another host: the status line keeps naming the loaded demo, nothing is contacted or saved', async ({ page }) => {
  await loadBundledDemo(page);
  const file = {
    format: 'persona-lab-archive',
    version: 1,
    createdAt: 0,
    settings: { hubHost: stranger.url, modelText: `${stranger.url}/m`, loadedId: `${stranger.url}/m`, autoload: true, seed: 7 },
    traits: [],
    vectors: [],
    presets: [],
    records: {},
  };
  await goTo(page, 'Presets');
  await page.getByLabel('Import lab file').setInputFiles({ name: 'lab.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(file)) });
  await expect(consent(page)).toContainText(`The lab file you imported wants to load ${stranger.url}/m from ${stranger.url}`);
  await expect(statusLine(page)).toHaveText(new RegExp(`^${DEMO_ID} on WASM`));
  await consent(page).getByRole('button', { name: "Don't load" }).click();
  await expect(statusLine(page)).toHaveText(new RegExp(`^${DEMO_ID} on WASM`));
  await revisit(page);
  await expect(consent(page)).toHaveCount(0);
  await expect(page.getByRole('textbox', { name: 'Hub host' })).toHaveValue('https://huggingface.co');
  expect(await savedText(page)).not.toContain(stranger.url);
  expect(received).toEqual([]);
});

test("a Hub host that is not http(s) gets a sentence, not the browser's URL error", async ({ page }) => {
  await page.goto('/?backend=wasm');
  await goTo(page, 'Model');
  await page.locator('details.advanced', { hasText: 'Hub host' }).locator('summary').click();
  await page.getByRole('textbox', { name: 'Hub host' }).fill('javascript:alert(1)');
  await page.getByRole('combobox', { name: 'Model', exact: true }).fill('onnx-community/some-model');
  await page.getByRole('button', { name: 'Load model' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'Hub host' });
  await expect(alert).toContainText('The Hub host must be an http(s) address like https://huggingface.co; got "javascript:alert(1)"');
  await expect(alert).not.toContainText('Failed to construct');
});

test('a message longer than the context leaves the chat as it was, back in the box; the next one works', async ({ page }) => {
  await loadBundledDemo(page);
  await goTo(page, 'Chat & steer');
  const box = page.getByRole('textbox', { name: 'Message' });
  const long = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
  await box.fill(long);
  await page.getByRole('button', { name: 'Send' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'context holds' });
  await expect(alert).toContainText(/the prompt has \d+ tokens; this model's context holds 256/);
  await expect(alert).toContainText('Your message is back in the box');
  console.log(`[hostile] over-long message: ${await alert.textContent()}`);
  await expect(page.getByRole('article')).toHaveCount(0);
  await expect(box).toHaveValue(long);

  await box.fill('Hello there');
  await page.getByRole('button', { name: 'Send' }).click();
  await replyDone(page);
  await expect(page.getByRole('article')).toHaveCount(1);
  await expect(page.getByRole('article')).toHaveAccessibleName(/Exchange: Hello there/);
  await expect(alert).toHaveCount(0);
});

test('a panel that throws shows what failed with Export lab and Reset; the rest of the lab keeps working', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await loadBundledDemo(page);
  await goTo(page, 'Chat & steer');
  await page.getByRole('textbox', { name: 'Message' }).fill('Hello there');
  await page.getByRole('button', { name: 'Send' }).click();
  await replyDone(page);
  // damaged data reaches the chat through the store, as a damaged saved turn would (dev-server handle)
  await page.evaluate(() => {
    const store = (window as unknown as { __lab: { store: { getState(): { turns: unknown[] }; setState(p: object): void } } }).__lab.store;
    store.setState({
      turns: [...store.getState().turns, { id: 'damaged', user: 42, unsteered: '', steered: '', alphas: {}, layer: 1, seed: 1, status: 'done' }],
    });
  });
  const failed = page.getByRole('alert', { name: 'Chat & steer panel failed' });
  await expect(failed).toContainText('The Chat & steer panel failed:');
  console.log(`[hostile] failed panel: ${await failed.textContent()}`);

  // the other panels still work: the status line, the Traits panel, the Model panel
  await expect(page.getByRole('status')).toContainText(`${DEMO_ID} on WASM`);
  await goTo(page, 'Traits');
  await page.getByRole('list', { name: 'Traits' }).getByRole('button').first().click();
  await expect(page.getByRole('button', { name: 'Extract', exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Load model' })).toBeEnabled();

  // Export lab from the failed panel: a lab file that still holds the conversation
  const download = page.waitForEvent('download');
  await failed.getByRole('button', { name: 'Export lab' }).click();
  const archive = JSON.parse(readFileSync(await (await download).path(), 'utf8'));
  expect(archive.format).toBe('persona-lab-archive');
  expect(archive.settings.turns.map((t: { user: string }) => t.user)).toEqual(['Hello there', 42]);

  // Reset: the chat comes back with the good turn, and chatting works
  await failed.getByRole('button', { name: 'Reset this panel' }).click();
  await expect(failed).toHaveCount(0);
  await expect(page.getByRole('article')).toHaveCount(1);
  await page.getByRole('textbox', { name: 'Message' }).fill('And again');
  await page.getByRole('button', { name: 'Send' }).click();
  await replyDone(page);
  await expect(page.getByRole('article')).toHaveCount(2);
  expect(errors).toEqual([]);
});
