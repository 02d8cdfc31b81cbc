/**
 * The judge endpoint end to end, against a real HTTP server on 127.0.0.1 that speaks the OpenAI
 * chat-completions protocol (fakeOpenAiServer.ts): Test connection, a trait set written from a
 * description, extraction judged by the endpoint on the demo model, steering; and the failures —
 * the server going down mid-run (the run pauses, says why, and resumes without judging anything
 * twice), a refused key, a server without CORS, a server without logprobs (sampled scores, marked).
 * A planted API key typed into the UI field must reach the endpoint and nothing else: no storage
 * of the browser's (localStorage, sessionStorage, IndexedDB, Cache Storage, cookies), no URL, no
 * other request, no console line, no page markup; a reload forgets it.
 */
import { expect, test, type Page } from '@playwright/test';
import { startFakeOpenAiServer, type FakeServer } from './fakeOpenAiServer';
import { PROD_PORT } from '../playwright.config';
import { judgeTrait } from '../src/persona/lexiconJudge';
import { goTo, loadDemoViaHub, openLab, replyDone, replyText, send, shot } from './lab';

const KEY = 'sk-PLANTED-e2e-key-4d8b2f6a1c';

test.beforeEach(({}, info) => {
  test.skip(info.project.name !== 'wasm', 'the endpoint does not depend on the backend; one is enough');
});

async function configureEndpoint(page: Page, server: FakeServer, key?: string, model = 'judge-small'): Promise<void> {
  await goTo(page, 'Model');
  await page.getByRole('combobox', { name: 'Endpoint preset' }).selectOption('custom');
  await page.getByRole('textbox', { name: 'Endpoint base URL' }).fill(server.url);
  await page.getByRole('textbox', { name: 'Endpoint model' }).fill(model);
  if (key !== undefined) await page.getByLabel('API key').fill(key);
}

async function testConnection(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Test connection' }).click();
  const lines = page.getByRole('list', { name: 'Connection test' });
  await expect(lines).toBeVisible();
  await expect(page.getByRole('button', { name: 'Test connection' })).toBeEnabled();
  return (await lines.textContent()) ?? '';
}

async function extractWithEndpoint(page: Page, trait: string, questions: number, readout = 'response_avg'): Promise<void> {
  await goTo(page, 'Traits');
  await page
    .getByRole('list', { name: 'Traits' })
    .getByRole('button', { name: new RegExp(`^${trait}`) })
    .first()
    .click();
  await page.getByRole('spinbutton', { name: 'Questions' }).fill(String(questions));
  await page
    .getByRole('group', { name: 'Readout' })
    .getByRole('radio', { name: new RegExp(`^${readout}`) })
    .check();
  await page.getByRole('combobox', { name: 'Extraction judge' }).selectOption('endpoint');
  await page.getByRole('button', { name: 'Extract', exact: true }).click();
}

/** Every place in the browser a key could be kept, as text (typed arrays as Latin-1). */
async function browserStorageDump(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const out: string[] = [location.href, document.cookie, document.documentElement.outerHTML];
    for (const s of [localStorage, sessionStorage]) for (let i = 0; i < s.length; i++) out.push(s.key(i)!, s.getItem(s.key(i)!)!);
    const walk = (v: unknown): void => {
      if (typeof v === 'string') out.push(v);
      else if (ArrayBuffer.isView(v)) out.push(String.fromCharCode(...new Uint8Array(v.buffer, v.byteOffset, Math.min(v.byteLength, 1 << 20))));
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (out.push(k), walk(x));
    };
    let records = 0;
    for (const info of await indexedDB.databases()) {
      const db = await new Promise<IDBDatabase>((res, rej) => {
        const r = indexedDB.open(info.name!);
        r.onsuccess = () => res(r.result);
        r.onerror = () => rej(r.error);
      });
      for (const name of Array.from(db.objectStoreNames)) {
        const all = await new Promise<unknown[]>((res, rej) => {
          const r = db.transaction(name).objectStore(name).getAll();
          r.onsuccess = () => res(r.result);
          r.onerror = () => rej(r.error);
        });
        records += all.length;
        walk(all);
      }
      db.close();
    }
    for (const name of await caches.keys()) for (const req of await (await caches.open(name)).keys()) out.push(req.url);
    out.push(`records:${records}`);
    return out.join('\n');
  });
}

test('a trait from a description, extraction judged by the endpoint, steering; the planted key reaches only the endpoint', async ({ page }) => {
  const server = await startFakeOpenAiServer({ apiKey: KEY });
  const leaks: string[] = [];
  page.on('console', (m) => {
    if (m.text().includes(KEY)) leaks.push(`console: ${m.text()}`);
  });
  page.on('request', (r) => {
    if (r.url().includes(KEY)) leaks.push(`url: ${r.url()}`);
    if (!r.url().startsWith(server.url) && JSON.stringify(r.headers()).includes(KEY)) leaks.push(`headers to ${r.url()}`);
  });
  try {
    await openLab(page);
    await loadDemoViaHub(page, 'wasm');
    await configureEndpoint(page, server, KEY);
    const report = await testConnection(page);
    expect(report).toContain('chat works');
    expect(report).toContain('logprobs work');
    await expect(page.getByText("scoring: logprobs (the paper's)")).toBeVisible();
    await page.getByRole('region', { name: 'Judge endpoint' }).screenshot({ path: 'e2e/screenshots/judge-endpoint.png' });

    // 1. a trait set from a description, reviewed, then saved
    await goTo(page, 'Traits');
    await page.getByRole('button', { name: 'From description…' }).click();
    const gen = page.getByRole('group', { name: 'Trait from a description' });
    await gen.getByRole('textbox', { name: 'New trait name' }).fill('optimistic');
    await gen.getByRole('textbox', { name: 'New trait description' }).fill('Looks on the bright side: frames answers hopefully and expects good outcomes.');
    await gen.getByRole('textbox', { name: 'New trait opposite' }).fill('pessimistic');
    await gen.getByRole('button', { name: 'Generate' }).click();
    const draft = gen.getByRole('textbox', { name: 'Generated trait JSON' });
    await expect(draft).toBeVisible();
    const set = JSON.parse(await draft.inputValue());
    expect(set.instruction).toHaveLength(5);
    expect(set.extraction_questions).toHaveLength(20);
    expect(set.evaluation_questions).toHaveLength(20);
    expect(set.eval_prompt).toContain('{answer}');
    expect(server.requests.filter((r) => r.method === 'POST').map((r) => r.kind)).toEqual(['other', 'pairs', 'questions', 'questions', 'eval_prompt']);
    await expect(gen.getByText(/saving replaces it/)).toBeVisible();
    await shot(page, 'trait-from-description', 'traits');
    await gen.getByRole('button', { name: 'Save generated trait' }).click();
    await expect(gen).toHaveCount(0);
    await expect(page.getByRole('list', { name: 'Traits' }).getByRole('button', { name: /^optimistic.*yours/ })).toBeVisible();

    // 2. extraction with the endpoint as judge (small counts)
    const before = server.requests.length;
    await extractWithEndpoint(page, 'optimistic', 6, 'prompt_last');
    await expect(page.getByRole('group', { name: 'Per-layer statistics' }).or(page.getByRole('alert'))).toBeVisible({ timeout: 300_000 });
    await expect(page.getByRole('alert')).toHaveCount(0);
    await expect(page.getByText(/endpoint judge kept \d+ of \d+ pairs/)).toBeVisible();
    const judged = server.requests.slice(before).filter((r) => r.kind === 'judge' || r.kind === 'coherence');
    expect(judged.length).toBeGreaterThanOrEqual(2 * 2 * 6 * 5); // trait + coherence for every extraction rollout, both sides
    expect(judged.every((r) => r.status === 200 && r.authorization === `Bearer ${KEY}`)).toBe(true);

    // 3. steer with the new vector: the prompt positions at block 2, α 4 (as the prompt-steering spec does with the demo's own set)
    await goTo(page, 'Chat & steer');
    await page.getByRole('combobox', { name: 'Positions' }).selectOption('prompt');
    await page.getByRole('combobox', { name: 'Layer' }).selectOption('2');
    await page.getByRole('slider', { name: 'optimistic strength' }).fill('4');
    const question = 'How can I get better at drawing?';
    await page.getByRole('textbox', { name: 'Message' }).fill(question);
    await page.getByRole('button', { name: 'Send' }).click();
    await replyDone(page);
    const steered = await replyText(page, 'Steered reply');
    const unsteered = await replyText(page, 'Unsteered reply');
    const scores = { steered: judgeTrait('optimistic', steered, question), unsteered: judgeTrait('optimistic', unsteered, question) };
    console.log(`steered (${scores.steered.toFixed(0)}): ${steered}\nunsteered (${scores.unsteered.toFixed(0)}): ${unsteered}`);
    expect(scores.steered).toBeGreaterThanOrEqual(50);
    expect(scores.unsteered).toBeLessThan(50);

    // 4. the key reached the endpoint and nothing else
    await page.waitForTimeout(1000); // let the debounced settings save run
    const stored = await browserStorageDump(page);
    expect(Number(/records:(\d+)/.exec(stored)![1])).toBeGreaterThan(0);
    expect(stored).toContain(server.url); // the endpoint's address is remembered …
    expect(stored.includes(KEY)).toBe(false); // … its key is not
    expect(leaks).toEqual([]);
    await expect(page.getByLabel('API key')).toHaveAttribute('type', 'password');

    // a reload forgets the key: the endpoint now says one is needed
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Persona Lab' })).toBeVisible();
    await goTo(page, 'Model');
    await expect(page.getByLabel('API key')).toHaveValue('');
    await expect(page.getByRole('textbox', { name: 'Endpoint base URL' })).toHaveValue(server.url);
    await testConnection(page);
    await expect(page.getByRole('alert').filter({ hasText: 'refused the API key (HTTP 401)' })).toContainText('needs an API key');
    expect((await browserStorageDump(page)).includes(KEY)).toBe(false);
  } finally {
    await server.close();
  }
});

test('the endpoint going down mid-run pauses the extraction, which resumes without judging anything twice', async ({ page, browser }) => {
  test.setTimeout(420_000);
  const server = await startFakeOpenAiServer({});
  const judgedSince = (n: number) =>
    server.requests
      .slice(n)
      .filter((r) => (r.kind === 'judge' || r.kind === 'coherence') && r.status === 200)
      .map((r) => r.content!)
      .sort();
  try {
    // the same extraction without an outage, in a fresh profile: what one run asks the judge
    const fresh = await browser.newContext();
    const other = await fresh.newPage();
    await openLab(other);
    await loadDemoViaHub(other, 'wasm');
    await configureEndpoint(other, server);
    expect(await testConnection(other)).toContain('logprobs work');
    let mark = server.requests.length;
    await extractWithEndpoint(other, 'polite', 3);
    await expect(other.getByRole('group', { name: 'Per-layer statistics' })).toBeVisible({ timeout: 300_000 });
    const baseline = judgedSince(mark);
    await fresh.close();

    await openLab(page);
    await loadDemoViaHub(page, 'wasm');
    await configureEndpoint(page, server);
    expect(await testConnection(page)).toContain('logprobs work');
    mark = server.requests.length;
    server.configure({ stopAfter: server.requests.filter((r) => r.method === 'POST' && r.status === 200).length + 12 });
    await extractWithEndpoint(page, 'polite', 3);
    const paused = page.getByRole('alert', { name: 'Run paused' });
    await expect(paused).toContainText(/Paused: could not reach the endpoint at http:\/\/127\.0\.0\.1:\d+\/v1/, { timeout: 120_000 });
    await expect(paused).toContainText('Judged responses are kept');
    await expect(page.getByRole('progressbar', { name: /Judging responses/ })).toBeVisible();
    expect(server.up).toBe(false);
    expect(judgedSince(mark)).toHaveLength(12);
    await server.restart();
    await paused.getByRole('button', { name: 'Resume' }).click();
    await expect(page.getByRole('group', { name: 'Per-layer statistics' })).toBeVisible({ timeout: 300_000 });
    await expect(paused).toHaveCount(0);
    await expect(page.getByText(/endpoint judge kept \d+ of \d+ pairs/)).toBeVisible();
    // exactly what the uninterrupted run asked, each once: nothing judged before the outage was asked again
    expect(baseline.length).toBeGreaterThan(12);
    expect(judgedSince(mark)).toEqual(baseline);
  } finally {
    await server.close();
  }
});

test('a refused key, a server without CORS, and a server without logprobs (sampled scores, marked)', async ({ page }) => {
  const keyed = await startFakeOpenAiServer({ apiKey: KEY });
  const noCors = await startFakeOpenAiServer({ cors: false });
  const plain = await startFakeOpenAiServer({ logprobs: false });
  try {
    await openLab(page);
    await configureEndpoint(page, keyed, 'sk-wrong-0000000000');
    await testConnection(page);
    await expect(page.getByRole('alert').filter({ hasText: 'refused the API key (HTTP 401)' })).toContainText('Check the key');
    await configureEndpoint(page, keyed, KEY, 'llama9');
    await testConnection(page);
    await expect(page.getByRole('alert').filter({ hasText: 'no model "llama9"' })).toContainText('It serves: judge-small');

    await configureEndpoint(page, noCors);
    await testConnection(page);
    await expect(page.getByRole('alert').filter({ hasText: 'could not reach' })).toContainText('CORS');

    await configureEndpoint(page, plain, '');
    expect(await testConnection(page)).toContain('no logprobs: scores will be sampled');
    await expect(page.getByText('scoring: sampled (no logprobs)')).toBeVisible();
    await loadDemoViaHub(page, 'wasm');
    await extractWithEndpoint(page, 'polite', 2);
    await expect(page.getByRole('group', { name: 'Per-layer statistics' }).or(page.getByRole('alert'))).toBeVisible({ timeout: 300_000 });
    await expect(page.getByText(/endpoint judge \(sampled scores: no logprobs\) kept \d+ of \d+ pairs/)).toBeVisible();
    await expect(page.getByRole('combobox', { name: 'Extraction judge' })).toContainText('the judge endpoint — sampled scores');
    expect(plain.requests.some((r) => r.kind === 'judge' && r.status === 200)).toBe(true);

    // the chat's coefficient sweep judged by the same endpoint says its scores are sampled
    await send(page, 'How can I get better at cooking?');
    await page.getByRole('combobox', { name: 'Sweep judge' }).selectOption('endpoint');
    await page.getByRole('button', { name: /^Sweep α/ }).click();
    await expect(page.getByText(/Scored by the judge endpoint \(Model panel\) — sampled scores \(the endpoint sends no logprobs\)/)).toBeVisible({
      timeout: 120_000,
    });
    await expect(page.getByRole('img', { name: 'Judged polite score against α' })).toBeVisible();
  } finally {
    await Promise.all([keyed.close(), noCors.close(), plain.close()]);
  }
});

test('the production build (with its Content-Security-Policy) may call a local endpoint the user typed', async ({ page }) => {
  const server = await startFakeOpenAiServer({});
  try {
    await page.goto(`http://localhost:${PROD_PORT}/`);
    await expect(page.getByRole('heading', { name: 'Persona Lab' })).toBeVisible();
    await configureEndpoint(page, server);
    expect(await testConnection(page)).toContain('logprobs work');
    // a host the build's policy does not name: said before anything is tried, with what to do
    await page.getByRole('textbox', { name: 'Endpoint base URL' }).fill('http://192.0.2.7:8000/v1');
    await testConnection(page);
    await expect(page.getByRole('alert').filter({ hasText: 'may not connect to http://192.0.2.7:8000' })).toContainText(
      'PERSONA_LAB_CONNECT_SRC="http://192.0.2.7:8000"',
    );
  } finally {
    await server.close();
  }
});
