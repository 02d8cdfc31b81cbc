/**
 * Issue 6, Security: the OpenAI-compatible judge's API key never reaches an artifact. A distinctive
 * key is planted in the judge settings (the CLI's $PERSONA_LAB_JUDGE_KEY / $OPENAI_API_KEY, read by
 * judgeFromArgs), a full pipeline runs with that judge against a local stub server (which must see
 * the key, so the test is not vacuous) into IndexedDB (fake-indexeddb), and then every artifact is
 * produced and searched, as text and as bytes (UTF-8, UTF-16LE, hex, base64 at each alignment):
 * presets file, share link, lab archive, vector files (safetensors, GGUF, Neuronpedia JSON), every
 * IndexedDB record, the localStorage settings document, and all console / stdout / stderr output.
 */
import 'fake-indexeddb/auto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseArgs } from '../cli/args';
import { judgeFromArgs } from '../cli/extract';
import { runPipeline } from '../persona/pipeline';
import { FAKE_INFO, FAKE_TRAIT, FakeEngine } from '../persona/pipeline/testing/fakeEngine';
import { VECTOR_FORMATS } from '../persona/convert';
import { vectorDownload } from '../persona/vectorDownload';
import { encodePreset, presetsToJson, shareLink } from '../share';
import { COLLECTIONS, IndexedDbStorage } from '../storage';
import { exportPresets, savePreset } from './actions/presets';
import { exportLab } from './labArchive';
import { persistChanges, SETTINGS_KEY, stopPersistence, writeLabRecords, type KeyValue } from './persist';
import { getLab, resetLab, setLab } from './store';
import type { VectorEntry } from './types';

const KEY = 'sk-PLANTED-judge-key-7f3a9c1e5b';
const enc = new TextEncoder();

function b64(bytes: Uint8Array, url: boolean): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  const t = btoa(s);
  return url ? t.replace(/\+/g, '-').replace(/\//g, '_') : t;
}

/** The key in every encoding an artifact could carry it in: UTF-8, UTF-16LE, hex, base64 (any alignment). */
const NEEDLES: Uint8Array[] = (() => {
  const utf8 = enc.encode(KEY);
  const utf16 = new Uint8Array(KEY.length * 2);
  for (let i = 0; i < KEY.length; i++) utf16[i * 2] = KEY.charCodeAt(i);
  const out = [utf8, utf16, enc.encode(Array.from(utf8, (b) => b.toString(16).padStart(2, '0')).join(''))];
  for (let pad = 0; pad < 3; pad++) {
    // base64 of the key after `pad` other bytes: the characters that depend on the key alone
    const text = b64(new Uint8Array([...new Uint8Array(pad), ...utf8]), false).replace(/=+$/, '');
    const inner = text.slice(Math.ceil((pad * 4) / 3) + 1, -2);
    out.push(enc.encode(inner), enc.encode(inner.replace(/\+/g, '-').replace(/\//g, '_')));
  }
  return out;
})();

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let k = 0; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

/** Asserts the key is nowhere in an artifact (bytes, typed arrays and strings inside records too). */
function expectNoKey(name: string, artifact: unknown): void {
  const parts: Uint8Array[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') parts.push(enc.encode(v));
    else if (v instanceof Uint8Array) parts.push(v);
    else if (ArrayBuffer.isView(v)) parts.push(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (parts.push(enc.encode(k)), walk(x));
  };
  walk(artifact);
  expect(parts.length, `${name}: nothing to search`).toBeGreaterThan(0);
  for (const p of parts) {
    for (const n of NEEDLES) expect(indexOf(p, n), `${name} holds the planted key (${new TextDecoder().decode(n).slice(0, 12)}…)`).toBe(-1);
  }
}

let server: Server;
let base = '';
const authSeen: string[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      authSeen.push(String(req.headers.authorization));
      const content = JSON.parse(body).messages[0].content as string;
      const top = /happy/.test(content)
        ? [{ token: '90', logprob: Math.log(0.9) }]
        : /coherent/.test(content)
          ? [{ token: '80', logprob: Math.log(0.9) }]
          : [{ token: '10', logprob: Math.log(0.9) }];
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ logprobs: { content: [{ token: top[0].token, logprob: top[0].logprob, top_logprobs: top }] } }] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('the judge API key never leaks', () => {
  it('is in no preset file, share link, lab archive, vector file, IndexedDB record, settings document or log', async () => {
    vi.stubEnv('PERSONA_LAB_JUDGE_KEY', KEY);
    vi.stubEnv('OPENAI_API_KEY', KEY);
    const logged: string[] = [];
    const grab = (...a: unknown[]) =>
      void logged.push(
        a.map((x) => (typeof x === 'string' ? x : JSON.stringify(x, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Uint8Array) : v)))).join(' '),
      );
    const spies = (['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((m) => vi.spyOn(console, m).mockImplementation(grab));
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (logged.push(String(c)), true));
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => (logged.push(String(c)), true));
    const storage = await IndexedDbStorage.open({ name: 'key-leak' });
    const kv = new Map<string, string>();
    const local: KeyValue = { getItem: (k) => kv.get(k) ?? null, setItem: (k, v) => void kv.set(k, v) };
    try {
      resetLab();
      stopPersistence();
      persistChanges(storage, local, 0);
      // a pipeline run with the OpenAI-compatible judge configured from the planted settings
      const ctx = { engine: new FakeEngine(), info: FAKE_INFO, storage, onProgress: (p: unknown) => console.info('progress', p) };
      const judge = judgeFromArgs(parseArgs(['--judge', 'openai', '--judge-url', base, '--judge-model', 'stub-judge']), ctx, FAKE_TRAIT);
      expectNoKey('judge object', { id: judge.id, kind: judge.kind, json: JSON.stringify(judge) });
      const res = await runPipeline(ctx, { trait: FAKE_TRAIT, judge, settings: { batchSize: 4, sweep: { alphas: [2], systemPrompt: null } } });
      console.log('pipeline result', { judge: res.judge, counts: res.counts, layer: res.chosenLayer });
      expect(authSeen.length).toBeGreaterThan(0);
      expect(new Set(authSeen)).toEqual(new Set([`Bearer ${KEY}`])); // the key did reach the judge endpoint

      // the lab holds the run's vector, a preset and a conversation
      const v = res.vector;
      const entry: VectorEntry = {
        trait: FAKE_TRAIT.name,
        modelId: FAKE_INFO.id,
        rows: v.rows,
        hidden: v.hidden,
        data: v.data,
        layer: Math.max(1, res.chosenLayer ?? 1),
        stats: res.layerStats,
        typicalNorms: Array(v.rows).fill(2),
        samples: { pos: res.counts.activations.pos, neg: res.counts.activations.neg },
        note: `judge ${res.judge}`,
        createdAt: 1,
      };
      setLab((s) => ({
        traits: [...s.traits, { set: FAKE_TRAIT, origin: 'user' }],
        vectors: { [entry.trait]: entry },
        active: [entry.trait],
        alphas: { [entry.trait]: 1.5 },
        layer: entry.layer,
        loadedId: FAKE_INFO.id,
        modelText: FAKE_INFO.id,
        draft: 'hello',
      }));
      const preset = savePreset('with judge')!;
      expect(preset).not.toBeNull();
      await writeLabRecords(storage, getLab()); // what persistence writes, awaited
      await vi.waitFor(() => expect(kv.get(SETTINGS_KEY)).toContain(FAKE_TRAIT.name)); // the debounced settings save ran

      const artifacts: [string, unknown][] = [
        ['presets file', exportPresets()],
        ['presets file (direct)', presetsToJson(getLab().presets)],
        ['share link', shareLink('https://lab.example/', preset)],
        ['share link (fp16)', encodePreset(preset, { quant: 'fp16' })],
        ['lab archive', await exportLab(storage)],
        ...VECTOR_FORMATS.flatMap((f) =>
          (['layer', 'all'] as const).map((scope): [string, unknown] => {
            const d = vectorDownload(entry, f, scope);
            return [`vector file ${d.fileName}`, d.bytes];
          }),
        ),
        ['settings document (localStorage)', kv.get(SETTINGS_KEY) ?? ''],
        ['pipeline result', JSON.stringify({ ...res, vector: undefined, vectors: undefined })],
      ];
      for (const c of COLLECTIONS) artifacts.push([`IndexedDB ${c}`, await storage.list(c)]);
      artifacts.push(['console / stdout / stderr', logged.join('\n')]);
      for (const [name, a] of artifacts) expectNoKey(name, a);
      expect(artifacts.length).toBe(21); // 2 preset files, 2 links, archive, 6 vector files, settings, result, 7 collections, logs
      expect(logged.some((l) => l.includes('progress'))).toBe(true);
      // the search does find a planted key (no false negatives from the needles)
      expect(() => expectNoKey('control', { nested: [new TextEncoder().encode(`x${KEY}y`)] })).toThrow(/planted key/);
      expect(() => expectNoKey('control b64', btoa(`ab${KEY}`))).toThrow(/planted key/);
      expect((await storage.list('scores')).length).toBeGreaterThan(0);
      expect((await storage.list('runs')).length).toBe(1);
    } finally {
      stopPersistence();
      storage.close();
      spies.forEach((s) => s.mockRestore());
      out.mockRestore();
      err.mockRestore();
      vi.unstubAllEnvs();
    }
  });
});

describe("the key typed into the lab's judge endpoint field never leaks", () => {
  it('reaches the endpoint and is in no store, settings document, endpoint document, lab archive, IndexedDB record or log', async () => {
    const { startFakeOpenAiServer } = await import('../../e2e/fakeOpenAiServer');
    const { endpointJudge, resetJudgeEndpointForTests, setApiKey, setEndpointFields, setExtractJudge, testConnection } =
      await import('./actions/judgeEndpoint');
    const { ENDPOINT_SETTINGS_KEY, getJudgeEndpoint } = await import('./judgeEndpointStore');
    const server = await startFakeOpenAiServer({ apiKey: KEY });
    const logged: string[] = [];
    const grab = (...a: unknown[]) => void logged.push(a.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(' '));
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) => vi.spyOn(console, m).mockImplementation(grab));
    const kv = new Map<string, string>();
    const local = {
      getItem: (k: string) => kv.get(k) ?? null,
      setItem: (k: string, v: string) => void kv.set(k, v),
      removeItem: (k: string) => void kv.delete(k),
    };
    vi.stubGlobal('localStorage', local);
    const storage = await IndexedDbStorage.open({ name: 'key-leak-lab' });
    try {
      resetLab();
      resetJudgeEndpointForTests();
      stopPersistence();
      persistChanges(storage, local, 0);
      setEndpointFields({ baseUrl: server.url, model: 'judge-small' });
      setApiKey(` ${KEY} `); // as pasted, with stray spaces
      setExtractJudge('endpoint');
      await testConnection();
      expect(getJudgeEndpoint().report).toMatchObject({ ok: true, scoring: 'logprobs' });
      const judge = await endpointJudge(FAKE_TRAIT);
      const ctx = { engine: new FakeEngine(), info: FAKE_INFO, storage, onProgress: (p: unknown) => console.info('progress', p) };
      const res = await runPipeline(ctx, { trait: FAKE_TRAIT, judge, settings: { batchSize: 4, filter: { judge: 'none' }, sweep: null } });
      console.log('result', { judge: res.judge, counts: res.counts });
      const posts = server.requests.filter((r) => r.method === 'POST');
      expect(posts.length).toBeGreaterThan(2);
      expect(new Set(server.requests.map((r) => r.authorization))).toEqual(new Set([`Bearer ${KEY}`])); // the key did reach the endpoint
      setLab((s) => ({ traits: [...s.traits, { set: FAKE_TRAIT, origin: 'user' }], draft: 'hi' }));
      await writeLabRecords(storage, getLab());
      await vi.waitFor(() => expect(kv.get(SETTINGS_KEY)).toContain('hi'));

      const artifacts: [string, unknown][] = [
        ['endpoint store state', JSON.stringify(getJudgeEndpoint())],
        ['endpoint document (localStorage)', kv.get(ENDPOINT_SETTINGS_KEY) ?? ''],
        ['settings document (localStorage)', kv.get(SETTINGS_KEY) ?? ''],
        ['every localStorage entry', [...kv.entries()]],
        ['lab store', JSON.stringify(getLab(), (_k, v) => (ArrayBuffer.isView(v) ? [] : v))],
        ['lab archive', await exportLab(storage)],
        ['judge', { id: judge.id, json: JSON.stringify(judge) }],
        ['pipeline result', JSON.stringify({ ...res, vector: undefined, vectors: undefined })],
      ];
      for (const c of COLLECTIONS) {
        const records = await storage.list(c);
        if (records.length) artifacts.push([`IndexedDB ${c}`, records]);
      }
      artifacts.push(['console', logged.join('\n')]);
      for (const [name, a] of artifacts) expectNoKey(name, a);
      expect(kv.get(ENDPOINT_SETTINGS_KEY)).toContain(server.url); // the address is remembered, the key is not
      expect((await storage.list('scores')).length).toBeGreaterThan(0);

      // the key is in memory only: forgetting it makes the endpoint refuse, with the reason
      setApiKey('');
      await testConnection();
      expect(getJudgeEndpoint().report?.problem).toMatchObject({ kind: 'auth', hint: expect.stringMatching(/needs an API key/) });
    } finally {
      stopPersistence();
      storage.close();
      spies.forEach((s) => s.mockRestore());
      vi.unstubAllGlobals();
      resetJudgeEndpointForTests();
      await server.close();
    }
  });
});
