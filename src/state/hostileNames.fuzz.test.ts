/**
 * Property-based fuzz (fast-check) of every entry point where a stranger's string becomes a name the
 * lab keys records by (issue 20): trait import, vector import, share-link encode/decode and opening,
 * lab file export/import, storage and settings round trips, store actions, the CLI's command table.
 * Names: "__proto__", "constructor", "toString", "hasOwnProperty" and other Object.prototype
 * members, empty and blank strings, 10 kB names, random Unicode. For each: nothing throws (no
 * TypeError), Object.prototype gains nothing, and a name the lab accepts comes back as itself with
 * its data; a name it refuses is refused with a sentence.
 */
import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { commands } from '../cli/commands';
import { isDemoTrait, judgeTraitDetailed } from '../persona/lexiconJudge';
import { TEXT_LIMITS } from '../persona/limits';
import { makePersonaVector } from '../persona/personaVector';
import { exportVectorSafetensors } from '../persona/vectorFile';
import { decodePreset, encodePreset } from '../share';
import { MemoryStorage } from '../storage';
import { setAlpha, toggleActive } from './actions/steering';
import { deleteVector, setVectorLayer } from './actions/extract';
import { loadModel } from './actions/model';
import { currentPreset, openShareLink, renamePreset, savePreset } from './actions/presets';
import { deleteTrait, importTraitsJson, selectTrait } from './actions/traits';
import { importVectorForTrait } from './actions/vectorFiles';
import { setEngine } from './engine';
import { exportLab, importLab } from './labArchive';
import { restore, stopPersistence, writeLabRecords, SETTINGS_KEY, settingsOf, type KeyValue } from './persist';
import { setStorage } from './storage';
import { getLab, resetLab, setLab } from './store';
import { fakeVector } from './testing/fakeEngine';
import { fakeEngine, fakeInfo } from './testing/fakeEngine';
import type { Preset, VectorEntry } from './types';

const OPTIMISTIC = JSON.parse(readFileSync(new URL('../../public/models/persona-demo/traits/optimistic.json', import.meta.url), 'utf8')) as Record<
  string,
  unknown
>;
const PROTO_NAMES = Object.getOwnPropertyNames(Object.prototype);
const PROTO_BEFORE = [...PROTO_NAMES].sort();
const RUNS = { numRuns: 60, seed: 20_2612 };

/** Names built to hurt: prototype members, blanks, 10 kB, and random Unicode (whole code points). */
const hostileName = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      'valueOf',
      '__defineGetter__',
      'isPrototypeOf',
      'propertyIsEnumerable',
      'toLocaleString',
      '__lookupSetter__',
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\t\n', '\u00a0', 'x'.repeat(10_000), '€'.repeat(5000), ' __proto__ ', 'lab:', '\u0000') },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
);

/** A name every format accepts and carries unchanged: non-blank, within the limit, well-formed Unicode. */
function acceptable(name: string): boolean {
  return name.trim() !== '' && name.length <= TEXT_LIMITS.traitName && wellFormed(name) === name;
}

/** Lone surrogates replaced by U+FFFD, as UTF-8 encoding does. */
function wellFormed(s: string): string {
  return new TextDecoder().decode(new TextEncoder().encode(s));
}

function vector(trait: string, seed: number, rows = 5, hidden = 8): VectorEntry {
  return fakeVector(trait, (i) => Math.sin(i * 0.37 + seed) * 0.9, { samples: { pos: seed, neg: 2 }, createdAt: 7 }, rows, hidden);
}

/** Nothing leaked onto Object.prototype, and an ordinary object still reads nothing for these keys. */
function prototypeIntact(names: string[]): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTO_BEFORE);
  for (const n of names) if (!PROTO_NAMES.includes(n)) expect(({} as Record<string, unknown>)[n]).toBeUndefined();
}

/** What a panel reads for a name (TraitDetail, SteeringControls): a vector or nothing, never a built-in. */
function readsCleanly(name: string): void {
  const v = getLab().vectors[name];
  if (v !== undefined) expect(v.data).toBeInstanceOf(Float32Array);
  const a = getLab().alphas[name];
  if (a !== undefined) expect(typeof a).toBe('number');
}

async function ready(): Promise<void> {
  setLab({ modelText: 'fake/model', hubHost: 'https://huggingface.co' });
  expect(await loadModel()).toBe(true);
}

beforeEach(() => {
  stopPersistence();
  resetLab();
  setEngine(fakeEngine(fakeInfo(4, 8)));
  setStorage(new MemoryStorage());
});

afterAll(() => prototypeIntact([]));

describe('hostile names at every entry point (fast-check)', () => {
  it('trait import: an acceptable name imports as itself (trimmed), any other gets a sentence; nothing throws', () => {
    fc.assert(
      fc.property(hostileName, (name) => {
        resetLab();
        const n = importTraitsJson(JSON.stringify({ ...OPTIMISTIC, name }), 'trait.json');
        // trait files take any non-blank name within the limit (JSON carries even lone surrogates), trimmed
        if (name.trim() !== '' && name.length <= TEXT_LIMITS.traitName) {
          expect(n).toBe(1);
          expect(getLab().traits.find((x) => x.set.name === name.trim())?.origin).toBe('user');
          expect(getLab().selectedTrait).toBe(name.trim());
        } else {
          expect(n).toBe(0);
          expect(getLab().traitIssues[0].message).toMatch(name.trim() === '' ? /must not be empty/ : /the limit is 100/);
        }
        readsCleanly(name);
        readsCleanly(name.trim());
        deleteTrait(name.trim());
        prototypeIntact([name]);
      }),
      RUNS,
    );
  });

  it("vector import: a safetensors file becomes the named trait's vector, whatever the name and metadata keys", async () => {
    await ready();
    await fc.assert(
      fc.asyncProperty(hostileName, hostileName, async (name, key) => {
        setLab({ vectors: {}, alphas: {}, active: [] });
        const data = Float32Array.from({ length: 5 * 8 }, (_, i) => Math.cos(i + name.length));
        const extra = { [key]: 'v' };
        const bytes = exportVectorSafetensors(makePersonaVector(5, 8, data, { modelId: 'fake/model', trait: name, layer: 1, extra }));
        const v = await importVectorForTrait(name, bytes, 'v.safetensors');
        expect(getLab().vectorFileError).toBeNull();
        expect(v).not.toBeNull();
        expect(Array.from(getLab().vectors[name]!.data)).toEqual(Array.from(data));
        expect(Object.keys(getLab().vectors)).toEqual([name]);
        expect(getLab().alphas[name]).toBe(0);
        readsCleanly(name);
        prototypeIntact([name, key]);
      }),
      { ...RUNS, numRuns: 40 },
    );
  });

  it('share links: names round-trip through encode/decode; opening a link keys vectors and sliders by them', async () => {
    await ready();
    const p = (names: string[]): Preset => ({
      name: 'fuzz',
      modelId: 'fake/model',
      layer: 2,
      positions: 'response',
      sampling: { temperature: 0, topK: 0, topP: 1 },
      seed: 1,
      maxNewTokens: 4,
      systemPrompt: '',
      prompt: '',
      createdAt: 1,
      traits: names.map((n, i) => ({ name: n, alpha: i + 0.5, vector: Float32Array.from({ length: 8 }, (_, k) => (k === i ? 1 : 0)) })),
    });
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(hostileName, { minLength: 1, maxLength: 3 }), async (names) => {
        setLab({ vectors: {}, alphas: {}, active: [] });
        const r = decodePreset(encodePreset(p(names)));
        // a link carries names as UTF-8, where a lone surrogate becomes U+FFFD
        const carried = names.map(wellFormed);
        if (!names.every((n) => n.trim() !== '' && n.length <= TEXT_LIMITS.traitName) || new Set(carried).size < carried.length) {
          expect(r.ok).toBe(false);
          if (!r.ok) expect(r.error.message).toMatch(/^the share link's preset is invalid: /);
          return;
        }
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        names = carried;
        expect(r.preset.traits.map((t) => t.name)).toEqual(names);
        expect(await openShareLink(`#preset=${encodePreset(p(names))}`)).toBe(true);
        const s = getLab();
        expect(s.active).toEqual(names);
        names.forEach((n, i) => {
          expect(s.vectors[n]?.trait).toBe(n);
          expect(s.vectors[n]!.data[3 * 8 + i]).toBeCloseTo(1, 2);
          expect(s.alphas[n]).toBe(i + 0.5);
        });
        expect(currentPreset('again')!.traits.map((t) => t.name)).toEqual(names);
        prototypeIntact(names);
      }),
      { ...RUNS, numRuns: 40 },
    );
  });

  it('lab files: vectors, sliders and active traits keyed by any accepted name survive export → import', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(hostileName.filter(acceptable), { minLength: 1, maxLength: 4 }), async (names) => {
        resetLab();
        setLab({
          vectors: Object.fromEntries(names.map((n, i) => [n, vector(n, i + 1)])),
          alphas: Object.fromEntries(names.map((n, i) => [n, i - 1])),
          active: names,
          selectedTrait: names[0],
        });
        const text = await exportLab(null);
        resetLab();
        const r = await importLab(text, new MemoryStorage());
        expect(r.ok).toBe(true);
        const s = getLab();
        expect(Object.keys(s.vectors).sort()).toEqual([...names].sort());
        names.forEach((n, i) => {
          expect(s.vectors[n]?.trait).toBe(n);
          expect(Array.from(s.vectors[n]!.data)).toEqual(Array.from(vector(n, i + 1).data));
          expect(s.alphas[n]).toBe(i - 1);
        });
        expect(s.active).toEqual(names);
        expect(s.selectedTrait).toBe(names[0]);
        prototypeIntact(names);
      }),
      { ...RUNS, numRuns: 40 },
    );
  });

  it('lab files that name refused strings are refused with the field named, and change nothing', async () => {
    const base = JSON.parse(await exportLab(null, { ...getLab(), vectors: { ok: vector('ok', 1) } }));
    await fc.assert(
      fc.asyncProperty(
        hostileName.filter((n) => !acceptable(n) && (n.trim() === '' || n.length > TEXT_LIMITS.traitName)),
        async (name) => {
          resetLab();
          setLab({ vectors: { mine: vector('mine', 3) } });
          const before = getLab().vectors;
          const r = await importLab(JSON.stringify({ ...base, vectors: [{ ...base.vectors[0], trait: name }] }), null);
          expect(r.ok).toBe(false);
          if (!r.ok) expect(r.error).toMatch(/^vectors\[0\]\.trait must be text of 1 to 100 characters$/);
          expect(getLab().vectors).toBe(before);
        },
      ),
      { ...RUNS, numRuns: 20 },
    );
  });

  it('storage and settings: records and the settings document round-trip any name through a reload', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(hostileName, { minLength: 1, maxLength: 4 }), async (names) => {
        resetLab();
        const storage = new MemoryStorage();
        const kv = new Map<string, string>();
        const local: KeyValue = { getItem: (k) => kv.get(k) ?? null, setItem: (k, v) => void kv.set(k, v) };
        setLab({
          vectors: Object.fromEntries(names.map((n, i) => [n, vector(n, i + 2)])),
          alphas: Object.fromEntries(names.map((n, i) => [n, i * 0.5])),
          active: names,
        });
        for (const n of names) await storage.put('runs', { id: n || 'empty', name: n });
        await writeLabRecords(storage, getLab());
        local.setItem(SETTINGS_KEY, JSON.stringify(settingsOf(getLab())));
        resetLab();
        await restore(storage, local);
        const s = getLab();
        for (const [i, n] of names.entries()) {
          expect(s.vectors[n]?.samples.pos).toBe(i + 2);
          expect((await storage.get<{ id: string; name: string }>('runs', n || 'empty'))?.name).toBe(n);
        }
        // α keys over the name limit are not a name the lab can give: the settings check drops the document's α then
        const alphasKept = names.every((n) => n.length <= TEXT_LIMITS.traitName);
        if (alphasKept) names.forEach((n, i) => expect(s.alphas[n]).toBe(i * 0.5));
        expect(s.active).toEqual(names.every((n) => n.length <= TEXT_LIMITS.traitName) ? names : []);
        prototypeIntact(names);
      }),
      RUNS,
    );
  });

  it('store actions: sliders, active traits, layers, presets and deletes work on any name without a TypeError', async () => {
    await ready();
    await fc.assert(
      fc.asyncProperty(hostileName, hostileName, async (name, presetName) => {
        setLab({ vectors: { [name]: vector(name, 4) }, alphas: {}, active: [], presets: [], layer: 2 });
        setAlpha(name, 1.25, false);
        toggleActive(name, true);
        setVectorLayer(name, 1);
        selectTrait(name);
        expect(getLab().alphas[name]).toBe(1.25);
        expect(getLab().active).toEqual([name]);
        expect(getLab().vectors[name]?.layer).toBe(1);
        const p = savePreset(presetName);
        expect(p?.traits.map((t) => t.name)).toEqual([name]);
        renamePreset(p!.name, `${presetName}2`);
        deleteVector(name);
        expect(getLab().vectors[name]).toBeUndefined();
        expect(getLab().active).toEqual([]);
        readsCleanly(name);
        prototypeIntact([name, presetName]);
      }),
      RUNS,
    );
  });

  it('the CLI and the lexicon judge: a command or trait typed as any of these names is unknown, not a built-in', () => {
    fc.assert(
      fc.property(hostileName, (name) => {
        const c = commands[name];
        expect(c === undefined || ['extract', 'project', 'steer-eval', 'screen', 'convert', 'inspect', 'capture', 'generate'].includes(name)).toBe(true);
        // `--judge lexicon` with any trait name: a judgement for a demo trait, else a sentence (never a TypeError)
        if (isDemoTrait(name)) expect(judgeTraitDetailed(name, 'What a bright day.').pos).toBeGreaterThanOrEqual(0);
        else expect(() => judgeTraitDetailed(name, 'What a bright day.')).toThrow(/is not a demo trait/);
      }),
      RUNS,
    );
  });
});
