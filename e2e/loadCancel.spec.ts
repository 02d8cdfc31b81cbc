/**
 * Cancelling a model load from the Model panel in a real browser: a local Hub-like server holds the
 * demo model and, while stalling, sends the first part of its graph and then keeps the connection
 * open. Cancel (pressed from the keyboard) closes that connection with the file part-sent, and the
 * lab shows no model, no error and "Loading cancelled"; the same model then loads whole.
 */
import { readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, normalize } from 'node:path';
import { expect, test } from '@playwright/test';
import { listTree } from '../src/engine/testing/hubServer';
import { goTo } from './lab';

const REPO = 'persona-lab/slow-demo';
const DEMO_DIR = join(import.meta.dirname, '../public/models/persona-demo');
const GRAPH = 'onnx/model.onnx';
const FIRST_PART = 256 * 1024;

/** One GET of the graph: bytes sent, whether it was sent whole, and whether the connection has closed. */
interface GraphRequest {
  sent: number;
  finished: boolean;
  closed: boolean;
}

let server: Server;
let url = '';
let stall = true;
const graphRequests: GraphRequest[] = [];

test.use({ storageState: { cookies: [], origins: [] } });
test.beforeEach(({}, info) => test.skip(info.project.name !== 'wasm', 'UI checks run once, on the WASM project'));

test.beforeAll(async () => {
  server = createServer((req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    const path = decodeURIComponent((req.url ?? '').split('?')[0]);
    if (path === `/api/models/${REPO}/tree/main`) {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(listTree(DEMO_DIR)));
      return;
    }
    const prefix = `/${REPO}/resolve/main/`;
    const file = path.startsWith(prefix) ? normalize(join(DEMO_DIR, path.slice(prefix.length))) : '';
    let size: number | null = null;
    try {
      if (file.startsWith(DEMO_DIR) && statSync(file).isFile()) size = statSync(file).size;
    } catch {
      size = null;
    }
    if (size === null) return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Entry not found');
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': size });
    if (req.method === 'HEAD') return void res.end();
    const bytes = readFileSync(file);
    if (path.slice(prefix.length) !== GRAPH) return void res.end(bytes);
    const entry: GraphRequest = { sent: 0, finished: false, closed: false };
    graphRequests.push(entry);
    res.on('finish', () => (entry.finished = true));
    res.on('close', () => (entry.closed = true));
    if (stall) {
      entry.sent = FIRST_PART;
      res.write(bytes.subarray(0, FIRST_PART)); // then nothing until the browser goes away
    } else {
      entry.sent = bytes.length;
      res.end(bytes);
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

test.afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((ok) => server.close(() => ok()));
});

test('Cancel stops a model download: the connection closes part-sent, the lab is idle with no error, and the model loads again', async ({ page }) => {
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  await page.goto('/?backend=wasm');
  await expect(page.getByRole('heading', { name: 'Persona Lab' })).toBeVisible();
  await goTo(page, 'Model');
  await page.locator('details.advanced', { hasText: 'Hub host' }).locator('summary').click();
  await page.getByRole('textbox', { name: 'Hub host' }).fill(url);
  await page.getByRole('combobox', { name: 'Model', exact: true }).fill(REPO);
  await page.getByRole('combobox', { name: 'Backend' }).selectOption('wasm');
  await page.getByRole('button', { name: 'Load model' }).click();
  await page
    .getByRole('dialog', { name: /Allow the lab to contact/ })
    .getByRole('button', { name: `Allow ${new URL(url).host}` })
    .click();

  // The graph's download has begun and stalls; the progress bar shows it, with Cancel beside it.
  await expect.poll(() => graphRequests.length, { timeout: 60_000 }).toBe(1);
  const status = page.getByRole('status');
  await expect(status).toContainText(`Loading ${REPO}`);
  await expect(page.getByRole('progressbar')).toBeVisible();
  const cancel = page.getByRole('button', { name: 'Cancel', exact: true });
  await cancel.focus();
  await page.keyboard.press('Enter');

  await expect(status).toContainText('No model loaded');
  await expect(status).toContainText('Loading cancelled');
  await expect(page.getByRole('progressbar')).toHaveCount(0);
  await expect(cancel).toHaveCount(0);
  await expect(page.getByRole('alert')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Load model' })).toBeEnabled();
  // the browser closed the connection before the graph was sent
  await expect.poll(() => graphRequests[0].closed, { timeout: 30_000 }).toBe(true);
  expect(graphRequests[0].finished).toBe(false);
  expect(graphRequests[0].sent).toBeLessThan(statSync(join(DEMO_DIR, GRAPH)).size);

  // The same model loads again, its graph downloaded whole.
  stall = false;
  await page.getByRole('button', { name: 'Load model' }).click();
  await expect(status).toContainText(`${REPO} on WASM`, { timeout: 120_000 });
  expect(graphRequests.slice(1).map((r) => r.finished)).toEqual([true]);
  await expect(status).not.toContainText('Loading cancelled');
  await expect(page.getByRole('alert')).toHaveCount(0);
});
