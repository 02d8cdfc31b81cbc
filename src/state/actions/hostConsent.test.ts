/**
 * Consent before any new host (issue 20), at the store: a share link, a lab file or the Model box
 * that names a host the user has not allowed loads nothing and saves nothing until the user
 * answers; "yes" is remembered (and can be revoked); a Hub host that is not http(s) gets a sentence.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { checkHubHost, parseSourceText } from '../../engine/modelSource';
import { encodePreset } from '../../share/codec';
import { MemoryStorage } from '../../storage';
import { setEngine } from '../engine';
import { applyLabArchive, parseLabArchive } from '../labArchive';
import { DEFAULT_HUB_HOST } from '../modelSlice';
import { stopPersistence } from '../persist';
import { setStorage } from '../storage';
import { getLab, resetLab, setLab } from '../store';
import { fakeEngine } from '../testing/fakeEngine';
import type { Preset } from '../types';
import { answerHostRequest, APPROVED_HOSTS_KEY, restoreApprovedHosts, revokeHost } from './hostConsent';
import { loadModel } from './model';
import { openShareLink } from './presets';

const STRANGER = 'https://models.example';
let engine: ReturnType<typeof fakeEngine>;
let kv: Map<string, string>;

/** Lets the awaiting action reach its question (microtasks only; nothing is timed). */
async function untilAsked(): Promise<void> {
  for (let i = 0; i < 50 && !getLab().hostRequest; i++) await Promise.resolve();
  expect(getLab().hostRequest).not.toBeNull();
}

function preset(patch: Partial<Preset>): Preset {
  return {
    name: 'from a stranger',
    modelId: 'persona-lab/persona-demo',
    layer: 1,
    positions: 'all',
    sampling: { temperature: 0, topK: 0, topP: 1 },
    seed: 3,
    maxNewTokens: 6,
    systemPrompt: '',
    prompt: 'Hello',
    traits: [{ name: 'stranger trait', alpha: 1, vector: new Float32Array(8).fill(0.5) }],
    createdAt: 0,
    ...patch,
  };
}

beforeEach(() => {
  resetLab();
  stopPersistence();
  engine = fakeEngine();
  setEngine(engine);
  setStorage(new MemoryStorage());
  kv = new Map();
  restoreApprovedHosts({ getItem: (k) => kv.get(k) ?? null, setItem: (k, v) => void kv.set(k, v) });
});

describe('consent before a new host', () => {
  it('a model URL on a new host loads nothing until "yes", and the yes is remembered', async () => {
    setLab({ modelText: `${STRANGER}/m` });
    const loading = loadModel();
    await untilAsked();
    expect(getLab().hostRequest).toMatchObject({ origin: STRANGER, model: `${STRANGER}/m`, from: 'Model panel' });
    expect(engine.log.loads).toHaveLength(0);
    answerHostRequest(true);
    expect(await loading).toBe(true);
    expect(engine.log.loads[0].source).toEqual({ kind: 'url', baseUrl: `${STRANGER}/m` });
    expect(JSON.parse(kv.get(APPROVED_HOSTS_KEY)!)).toEqual([STRANGER]);
    // asked once: the next load goes ahead; after a revoke it asks again
    expect(await loadModel()).toBe(true);
    revokeHost(STRANGER);
    expect(JSON.parse(kv.get(APPROVED_HOSTS_KEY)!)).toEqual([]);
    void loadModel();
    await untilAsked();
    answerHostRequest(false);
  });

  it('"no" loads nothing and saves nothing; the card says so', async () => {
    setLab({ modelText: `${STRANGER}/m` });
    const loading = loadModel();
    await untilAsked();
    answerHostRequest(false);
    expect(await loading).toBe(false);
    expect(engine.log.loads).toHaveLength(0);
    expect(getLab()).toMatchObject({ approvedHosts: [], loadState: 'idle', hostRequest: { origin: STRANGER, declined: true } });
    expect(kv.get(APPROVED_HOSTS_KEY)).toBeUndefined();
  });

  it('a share link with another Hub host writes nothing of itself before the answer, and nothing after "no"', async () => {
    const before = structuredClone({ hubHost: getLab().hubHost, modelText: getLab().modelText, vectors: getLab().vectors, draft: getLab().draft });
    const opening = openShareLink(`#preset=${encodePreset(preset({ hubHost: STRANGER }))}`);
    await untilAsked();
    expect(getLab().hostRequest).toMatchObject({ origin: STRANGER, model: 'persona-lab/persona-demo', hubHost: STRANGER, from: 'share link' });
    expect(getLab()).toMatchObject(before);
    answerHostRequest(false);
    await opening;
    expect(engine.log.loads).toHaveLength(0);
    expect(getLab()).toMatchObject(before);
    expect(getLab().vectors).not.toHaveProperty('stranger trait');
  });

  it('a share link whose model is a URL asks for that URL\'s host, then loads it after "yes"', async () => {
    const opening = openShareLink(`#preset=${encodePreset(preset({ modelId: `${STRANGER}/m` }))}`);
    await untilAsked();
    expect(getLab().hostRequest).toMatchObject({ origin: STRANGER, model: `${STRANGER}/m`, hubHost: null });
    answerHostRequest(true);
    await opening;
    expect(engine.log.loads.map((l) => l.source)).toEqual([{ kind: 'url', baseUrl: `${STRANGER}/m` }]);
  });

  it('a lab file naming another Hub host: its other settings apply, the host waits for "yes"', async () => {
    setLab({ modelText: 'fake/model' });
    expect(await loadModel()).toBe(true);
    const file = JSON.stringify({
      format: 'persona-lab-archive',
      version: 1,
      createdAt: 0,
      settings: { hubHost: STRANGER, loadedId: `${STRANGER}/m`, modelText: `${STRANGER}/m`, seed: 77 },
      traits: [],
      vectors: [],
      presets: [],
      records: {},
    });
    const r = parseLabArchive(file);
    if (!r.ok) throw new Error(r.error);
    await applyLabArchive(r.value, null);
    expect(getLab()).toMatchObject({
      seed: 77,
      hubHost: DEFAULT_HUB_HOST,
      modelText: 'fake/model',
      loadedId: 'fake/model',
      hostRequest: { origin: STRANGER, from: 'lab file' },
    });
    answerHostRequest(true);
    await Promise.resolve();
    // the loaded model stays what the status line names: the file's loadedId is not taken while one is loaded
    expect(getLab()).toMatchObject({ hubHost: STRANGER, modelText: `${STRANGER}/m`, loadedId: 'fake/model' });
    expect(engine.log.loads).toHaveLength(1);
  });

  it('a Hub host that is not http(s) is refused with a sentence, before any request', async () => {
    setLab({ modelText: 'owner/model', hubHost: 'javascript:alert(1)' });
    expect(await loadModel()).toBe(false);
    expect(getLab().modelError?.message).toBe('The Hub host must be an http(s) address like https://huggingface.co; got "javascript:alert(1)"');
    expect(engine.log.loads).toHaveLength(0);
    expect(() => checkHubHost('ftp://mirror.example')).toThrow(/must be an http\(s\) address/);
    expect(checkHubHost('https://mirror.example/hf/')).toBe('https://mirror.example/hf');
    expect(() => parseSourceText('https://exa mple/m')).toThrow('"https://exa mple/m" is not a valid web address');
  });
});
