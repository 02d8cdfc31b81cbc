import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryStorage } from '../storage';
import { decodePreset, encodePreset } from '../share';
import { flushRegenerate, sendMessage, settled } from './actions/chat';
import { setAlpha, setLayer } from './actions/steering';
import { loadModel, sourceFor } from './actions/model';
import { applyPreset, currentPreset, deletePreset, openShareLink, renamePreset, savePreset } from './actions/presets';
import { analyseText } from './actions/monitor';
import { flaggedJsonl, loadScreenFile, runScreen, setScreenOptions } from './actions/screen';
import { cancelExtraction, extractTrait } from './actions/extract';
import { deleteTrait, duplicateTrait, importTraitsJson, newTrait, saveTraitJson } from './actions/traits';
import { setEngine } from './engine';
import { persistChanges, restore, stopPersistence, type KeyValue } from './persist';
import { setStorage } from './storage';
import { getLab, resetLab, setLab } from './store';
import { fakeEngine, fakeInfo, fakeVector } from './testing/fakeEngine';
import type { VectorEntry } from './types';
import { suggestLayer } from '../persona/layerStats';
import { LAB_SWEEP_RHOS } from '../persona/pipeline';

function vector(trait: string, rows = 5, hidden = 8): VectorEntry {
  // direction: hidden unit 0
  return fakeVector(trait, (i) => (i % hidden === 0 ? 1 + i / hidden : 0), {}, rows, hidden);
}

let engine: ReturnType<typeof fakeEngine>;

beforeEach(() => {
  resetLab();
  stopPersistence();
  engine = fakeEngine();
  setEngine(engine);
  setStorage(new MemoryStorage());
});

async function ready(): Promise<void> {
  setLab({ modelText: 'fake/model', hubHost: 'https://huggingface.co' });
  expect(await loadModel()).toBe(true);
}

describe('model actions', () => {
  it('loads with the Hub host and picks the middle layer', async () => {
    setLab({ modelText: 'persona-lab/persona-demo', hubHost: 'http://127.0.0.1:4174/', approvedHosts: ['http://127.0.0.1:4174'] });
    expect(await loadModel()).toBe(true);
    expect(engine.log.loads[0]).toMatchObject({ source: { kind: 'hub', id: 'persona-lab/persona-demo' }, hubHost: 'http://127.0.0.1:4174' });
    expect(getLab()).toMatchObject({ loadState: 'ready', layer: 2, loadedId: 'persona-lab/persona-demo' });
  });

  it('maps the demo id to the bundled copy on the default Hub and refuses nonsense', () => {
    expect(sourceFor('persona-lab/persona-demo', 'https://huggingface.co')).toEqual({ kind: 'demo' });
    expect(sourceFor('demo', 'http://127.0.0.1:4174')).toEqual({ kind: 'demo' });
    expect(() => sourceFor('not a model', 'https://huggingface.co')).toThrow();
  });

  it('shows load errors with message and hint', async () => {
    setLab({ modelText: 'missing/model' });
    expect(await loadModel()).toBe(false);
    expect(getLab().loadState).toBe('error');
    expect(getLab().modelError?.message).toBe('missing/model has no config.json');
    expect(getLab().modelError?.hint).toMatch(/must hold config.json/);
    setLab({ modelText: '???' });
    expect(await loadModel()).toBe(false);
    expect(getLab().modelError?.message).toMatch(/neither a Hub model id/);
  });
});

describe('chat and steering', () => {
  it('gets both replies from one batched call with the same seed', async () => {
    await ready();
    setLab({ vectors: { optimistic: vector('optimistic') }, active: ['optimistic'], alphas: { optimistic: 1.5 } });
    await sendMessage('hello');
    expect(engine.log.generates).toHaveLength(1);
    const g = engine.log.generates[0];
    expect(g.rows).toHaveLength(2);
    expect(g.rows[0].steering).toBeNull();
    expect(g.rows[1].steering).toEqual([{ layer: 2, alpha: 1.5, vector: expect.any(Float32Array) }]);
    const t = getLab().turns[0];
    expect(t).toMatchObject({ user: 'hello', unsteered: 'reply to hello #42', steered: 'reply to hello [α=1.5@2] #42', status: 'done' });
    // the finished reply is monitored: one capture, projections per token for the active trait
    expect(t.monitor?.projections.optimistic.length).toBe(t.monitor?.tokens.length);
  });

  it('moving a slider regenerates only the last reply, cancelling a stale run', async () => {
    await ready();
    setLab({ vectors: { optimistic: vector('optimistic') }, active: ['optimistic'], alphas: { optimistic: 0 } });
    await sendMessage('first');
    await sendMessage('second');
    let release!: () => void;
    engine.gate = new Promise((r) => (release = r));
    setAlpha('optimistic', 1);
    const run1 = flushRegenerate(); // run 1 starts and is held at the gate
    setAlpha('optimistic', 2);
    const run2 = flushRegenerate(); // cancels run 1, waits for it, then runs
    release();
    await Promise.all([run1, run2]);
    engine.gate = null;
    await settled();
    expect(engine.log.cancels.length).toBeGreaterThanOrEqual(1);
    const [first, second] = getLab().turns;
    expect(first.steered).toBe('reply to first #42');
    expect(second.steered).toBe('reply to second [α=2@2] #42');
    expect(second.unsteered).toBe('reply to second #42');
    expect(second.status).toBe('done');
  });

  it('uses the chosen layer and skips traits whose vector lacks it', async () => {
    await ready();
    const v = { ...vector('polite'), presentRows: [3] };
    setLab({ vectors: { polite: v }, active: ['polite'], alphas: { polite: 1 } });
    setLayer(1); // row 2 absent
    await flushRegenerate();
    await sendMessage('x');
    expect(engine.log.generates.at(-1)!.rows[1].steering).toBeNull();
    setLayer(2);
    await flushRegenerate();
    // A layer move regenerates only the steered reply: one row, steered at the new layer.
    const rerun = engine.log.generates.at(-1)!.rows;
    expect(rerun).toHaveLength(1);
    expect(rerun[0].steering?.[0].layer).toBe(2);
  });

  it('analyses pasted text', async () => {
    await ready();
    setLab({ vectors: { optimistic: vector('optimistic') }, active: ['optimistic'] });
    await analyseText('happy happy sad', 'q');
    const m = getLab().monitorResult!;
    expect(m.tokens.slice(m.promptLength)).toEqual(['happy', 'happy', 'sad']);
    const p = m.projections.optimistic.slice(m.promptLength);
    expect(p[0]).toBeGreaterThan(p[2]);
  });
});

describe('extraction', () => {
  it('runs the pipeline with progress and activates the new vector', async () => {
    await ready();
    setLab((s) => ({ extractSettings: { ...s.extractSettings, questions: 2, pairs: 2, maxNewTokens: 8 } }));
    const labels = new Set<string>();
    const unsub = (await import('./store')).lab.subscribe((s) => s.extraction && labels.add(s.extraction.progress.label));
    const v = await extractTrait('evil');
    unsub();
    expect(getLab().extractError).toBeNull();
    expect(v).not.toBeNull();
    expect(v!.rows).toBe(5);
    expect(v!.hidden).toBe(8);
    expect(v!.stats?.length).toBe(5);
    expect(v!.typicalNorms?.length).toBe(5);
    expect([...labels].some((l) => l.startsWith('Generating responses'))).toBe(true);
    expect(getLab()).toMatchObject({ active: ['evil'], extraction: null });
    // the rollouts used positive and negative system prompts
    const systems = engine.log.generates.flatMap((g) => g.rows.map((r) => ('messages' in r.prompt ? r.prompt.messages[0].content : '')));
    expect(systems.some((x) => x.startsWith('You are an evil assistant.'))).toBe(true);
    expect(systems.some((x) => x.startsWith('You are a helpful assistant.'))).toBe(true);
    // then the lab's steering sweep (the model judging itself: evil has no lexicon): every block at each strength, and the
    // suggestion, when there is one, is what the layer and the slider hold
    const sweep = v!.sweep!;
    const usable = [0, 1, 2, 3].filter((l) => v!.data.subarray((l + 1) * 8, (l + 2) * 8).some((x) => x !== 0));
    expect(sweep.cells.filter((c) => c.layer !== null).map((c) => c.layer)).toEqual(usable.flatMap((l) => LAB_SWEEP_RHOS.map(() => l)));
    if (sweep.suggested) expect(getLab()).toMatchObject({ layer: sweep.suggested.layer, alphas: { evil: sweep.suggested.alpha } });
    else expect(sweep.note).toBeTruthy();
  });

  it("keeps the readout the settings name: that readout's vector, statistics and layer, recorded on the vector", async () => {
    await ready();
    const storage = new MemoryStorage();
    setStorage(storage);
    setLab((s) => ({ extractSettings: { ...s.extractSettings, questions: 3, pairs: 3, maxNewTokens: 8, readout: 'prompt_last' } }));
    const last = await extractTrait('evil');
    expect(getLab().extractError).toBeNull();
    // the pipeline stores all three readouts' vectors of the run; the lab took prompt_last
    const stored = await storage.list<{ id: string; readout: string; vector: { data: Float32Array } }>('vectors');
    const data = (r: string) => stored.find((x) => x.readout === r)!.vector.data;
    expect(stored.map((x) => x.readout).sort()).toEqual(['prompt_avg', 'prompt_last', 'response_avg']);
    expect(last!.readout).toBe('prompt_last');
    expect(last!.data).toEqual(data('prompt_last'));
    expect(Math.hypot(...data('prompt_last'))).toBeGreaterThan(0);
    expect(last!.data).not.toEqual(data('response_avg'));
    expect(last!.layer).toBe(last!.sweep?.suggested?.layer ?? suggestLayer(last!.stats!));
    expect(getLab().vectors.evil.readout).toBe('prompt_last');
    // the same run with the paper's readout (rollouts and activations reused from storage)
    // rollouts carry the trait's system prompts; the steering sweep after them has none
    const rolloutRows = () =>
      engine.log.generates.flatMap((g) => g.rows).filter((r) => 'messages' in r.prompt && r.prompt.messages[0].role === 'system').length;
    const generated = rolloutRows();
    setLab((s) => ({ extractSettings: { ...s.extractSettings, readout: 'response_avg' } }));
    const avg = await extractTrait('evil');
    expect(rolloutRows()).toBe(generated);
    expect(avg!.readout).toBe('response_avg');
    expect(avg!.data).toEqual(data('response_avg'));
    expect(avg!.stats).not.toEqual(last!.stats);
    expect(avg!.layer).toBe(avg!.sweep?.suggested?.layer ?? suggestLayer(avg!.stats!));
  });

  it('can be cancelled and then shows no error', async () => {
    await ready();
    let release!: () => void;
    engine.gate = new Promise((r) => (release = r));
    const run = extractTrait('evil');
    cancelExtraction();
    release();
    engine.gate = null;
    expect(await run).toBeNull();
    expect(getLab()).toMatchObject({ extraction: null, extractError: null });
    expect(getLab().vectors.evil).toBeUndefined();
  });

  it('says what to do without a model', async () => {
    expect(await extractTrait('evil')).toBeNull();
    expect(getLab().extractError?.hint).toMatch(/Load a model/);
  });
});

describe('screening', () => {
  it('reports broken lines, ranks by ΔP and flags the trait-expressing rows', async () => {
    await ready();
    setLab({ vectors: { optimistic: vector('optimistic') }, active: ['optimistic'] });
    const lines = ['plain words here', 'happy happy day', 'more plain words', 'quiet calm text', 'happy happy happy'].map((r, i) =>
      JSON.stringify({ prompt: `q${i}`, response: r }),
    );
    expect(loadScreenFile('d.jsonl', [...lines, '{oops'].join('\n'))).toBe(5);
    expect(getLab().screen.parseErrors).toEqual([{ line: 6, message: expect.stringMatching(/not valid JSON/) }]);
    setScreenOptions({ flagPercentile: 60 });
    await runScreen();
    const rows = getLab().screen.rows;
    expect(
      rows
        .filter((r) => r.flagged)
        .map((r) => r.line)
        .sort(),
    ).toEqual([2, 5]);
    expect(
      flaggedJsonl()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).line)
        .sort(),
    ).toEqual([2, 5]);
  });
});

describe('traits', () => {
  it('creates, edits with validation, duplicates, deletes and imports', () => {
    const name = newTrait();
    expect(getLab().traits[0].set.name).toBe(name);
    expect(saveTraitJson('{"name": ""}', name)).toBe(false);
    expect(getLab().traitIssues.length).toBeGreaterThan(0);
    const copy = duplicateTrait(name)!;
    expect(copy).toBe(`${name}-copy`);
    deleteTrait(copy);
    expect(getLab().traits.some((t) => t.set.name === copy)).toBe(false);
    expect(importTraitsJson('not json')).toBe(0);
    expect(getLab().traitIssues[0].message).toMatch(/JSON/);
  });
});

describe('presets and share links', () => {
  it('saves, renames and deletes presets', async () => {
    await ready();
    setLab({ vectors: { optimistic: vector('optimistic') }, active: ['optimistic'], alphas: { optimistic: 1.2 } });
    const p = savePreset('mine')!;
    expect(p.traits[0]).toMatchObject({ name: 'optimistic', alpha: 1.2 });
    expect(Array.from(p.traits[0].vector)).toEqual(Array.from(vector('optimistic').data.subarray(3 * 8, 4 * 8)));
    renamePreset('mine', 'ours');
    expect(getLab().presets.map((x) => x.name)).toEqual(['ours']);
    deletePreset('ours');
    expect(getLab().presets).toEqual([]);
  });

  it('opening a link restores the setup and reproduces the reply; a mismatch is said clearly', async () => {
    await ready();
    setLab({ vectors: { optimistic: vector('optimistic') }, active: ['optimistic'], alphas: { optimistic: 2 }, seed: 7 });
    await sendMessage('cook?');
    const before = getLab().turns[0].steered;
    const link = encodePreset(currentPreset('shared')!);
    resetLab();
    expect(await openShareLink(`#preset=${link}`)).toBe(true);
    await settled();
    const s = getLab();
    expect(s.shareNotice?.kind).toBe('restored');
    expect(s).toMatchObject({ layer: 2, seed: 7, alphas: { optimistic: 2 }, active: ['optimistic'] });
    expect(s.turns.at(-1)!.steered).toBe(before);
    // a preset made on another model
    engine = fakeEngine(fakeInfo(4, 16));
    setEngine(engine);
    resetLab();
    await ready();
    await applyPreset({ ...currentPresetFromLink(link), modelId: 'other/model' }, { load: false });
    expect(getLab().shareNotice?.kind).toBe('mismatch');
    expect(getLab().shareNotice?.message).toMatch(/other\/model/);
  });

  it('a broken link gives an error notice and changes nothing', async () => {
    expect(await openShareLink('#preset=1.AAAA')).toBe(false);
    expect(getLab().shareNotice?.kind).toBe('error');
    expect(getLab().loadState).toBe('idle');
  });
});

describe('persistence', () => {
  it('restores traits, vectors, presets and settings after a reload', async () => {
    const storage = new MemoryStorage();
    const kv = new Map<string, string>();
    const local: KeyValue = { getItem: (k) => kv.get(k) ?? null, setItem: (k, v) => void kv.set(k, v) };
    persistChanges(storage, local, 0);
    await ready();
    newTrait();
    setLab({ vectors: { optimistic: vector('optimistic') }, active: ['optimistic'], alphas: { optimistic: 0.7 }, draft: 'unsent' });
    savePreset('p1');
    await new Promise((r) => setTimeout(r, 0)); // let the debounced save (0 ms) and record writes run
    await new Promise((r) => setTimeout(r, 0));
    stopPersistence();
    resetLab();
    expect(await restore(storage, local)).toBe(true);
    const s = getLab();
    expect(s.traits[0].origin).toBe('user');
    expect(s.vectors.optimistic.data).toBeInstanceOf(Float32Array);
    expect(s.presets.map((p) => p.name)).toEqual(['p1']);
    expect(s).toMatchObject({ alphas: { optimistic: 0.7 }, draft: 'unsent', active: ['optimistic'] });
  });

  it("keeps the extraction readout and each vector's readout; settings saved before the readout existed get response_avg", async () => {
    const storage = new MemoryStorage();
    const kv = new Map<string, string>();
    const local: KeyValue = { getItem: (k) => kv.get(k) ?? null, setItem: (k, v) => void kv.set(k, v) };
    persistChanges(storage, local, 0);
    setLab((s) => ({
      vectors: { optimistic: { ...vector('optimistic'), readout: 'prompt_last' } },
      extractSettings: { ...s.extractSettings, readout: 'prompt_avg' },
    }));
    await new Promise((r) => setTimeout(r, 0));
    await new Promise((r) => setTimeout(r, 0));
    stopPersistence();
    resetLab();
    expect(await restore(storage, local)).toBe(true);
    expect(getLab().vectors.optimistic.readout).toBe('prompt_last');
    expect(getLab().extractSettings.readout).toBe('prompt_avg');
    resetLab();
    const old = { questions: 3, pairs: 2, samples: 1, maxNewTokens: 20, filter: false };
    expect(await restore(null, { getItem: () => JSON.stringify({ extractSettings: old }), setItem: () => {} })).toBe(true);
    expect(getLab().extractSettings).toEqual({ ...old, readout: 'response_avg' });
  });
});

function currentPresetFromLink(v: string) {
  const r = decodePreset(v);
  if (!r.ok) throw new Error(r.error.message);
  return r.preset;
}
