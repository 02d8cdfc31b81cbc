/**
 * Hostile files and links (issue 20, data half), through the store's real actions, persistence and
 * IndexedDB (fake-indexeddb): a trait called "__proto__" or "constructor", a link or lab file whose
 * trait meets a saved one, text over the limits, an 80 MB lab file, trait files that hold no trait.
 * After every bad input the saved work is checked, and again after a persisted reload.
 */
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_LAB_FILE_BYTES, TEXT_LIMITS } from '../persona/limits';
import { decodePreset, encodePreset, presetsToJson } from '../share';
import { IndexedDbStorage, type PersonaStorage } from '../storage';
import { setEngine } from './engine';
import { loadModel } from './actions/model';
import { applyPreset, currentPreset, importPresets, openShareLink } from './actions/presets';
import { importTraitsJson, refuseLargeTraitFile, selectTrait } from './actions/traits';
import { importVectorForTrait } from './actions/vectorFiles';
import { exportControlVectorGguf } from '../persona/gguf';
import { readGguf, writeGguf } from '../persona/ggufContainer';
import { makePersonaVector } from '../persona/personaVector';
import { exportLab, importLab, labFileSizeProblem, parseLabArchive } from './labArchive';
import { persistChanges, restore, SETTINGS_KEY, stopPersistence, type KeyValue } from './persist';
import { setStorage } from './storage';
import { getLab, resetLab, setLab } from './store';
import { fakeEngine, fakeInfo, fakeVector } from './testing/fakeEngine';
import type { LayerStat, Preset, VectorEntry } from './types';

const OPTIMISTIC = JSON.parse(readFileSync(new URL('../../public/models/persona-demo/traits/optimistic.json', import.meta.url), 'utf8')) as Record<
  string,
  unknown
>;
const STATS: LayerStat[] = [{ row: 3, layer: 2, norm: 4, gap: 1.5, cohensD: 2.25, auroc: 0.875 }];
const PROTO_KEYS = () => Object.getOwnPropertyNames(Object.prototype).sort();
const PROTO_BEFORE = PROTO_KEYS();

function vector(trait: string, seed = 1, rows = 5, hidden = 8): VectorEntry {
  return fakeVector(trait, (i) => Math.sin(i * seed + 0.5) * 0.8, { stats: STATS, samples: { pos: 17, neg: 19 }, createdAt: 5 }, rows, hidden);
}

let dbCount = 0;
const freshDb = () => IndexedDbStorage.open({ name: `hostile-${++dbCount}` });
const memoryKv = (): KeyValue & { map: Map<string, string> } => {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) };
};

/** Waits until the debounced, asynchronous saves have written `id` (bounded; the assertion follows). */
async function saved(storage: PersonaStorage, id: string): Promise<void> {
  for (let i = 0; i < 500 && !(await storage.keys('vectors')).includes(id); i++) await new Promise((r) => setTimeout(r, 0));
}

async function reload(storage: PersonaStorage, kv: KeyValue): Promise<void> {
  await new Promise((r) => setTimeout(r, 5));
  stopPersistence();
  resetLab();
  await restore(storage, kv);
}

async function ready(): Promise<void> {
  setLab({ modelText: 'fake/model', hubHost: 'https://huggingface.co' });
  expect(await loadModel()).toBe(true);
}

beforeEach(() => {
  stopPersistence();
  resetLab();
  setEngine(fakeEngine(fakeInfo(4, 8)));
  setStorage(null);
});

describe('a trait called "__proto__" or "constructor" (the repro of issue 20)', () => {
  for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    it(`"${name}": imports, has no vector until one is made, keeps it across a reload, and leaves Object.prototype alone`, async () => {
      const storage = await freshDb();
      const kv = memoryKv();
      persistChanges(storage, kv, 0);
      setLab({ vectors: { optimistic: vector('optimistic') }, alphas: { optimistic: 1 }, active: ['optimistic'] });
      expect(importTraitsJson(JSON.stringify({ ...OPTIMISTIC, name }), 'optimistic.json')).toBe(1);
      expect(getLab().selectedTrait).toBe(name);
      // what TraitDetail reads: before, vectors["__proto__"] was Object.prototype and .samples.pos threw
      expect(getLab().vectors[name]).toBeUndefined();
      expect(name in getLab().vectors).toBe(false);
      // the trait gets a vector the way extraction stores one
      setLab((s) => ({ vectors: { ...s.vectors, [name]: vector(name, 3) }, alphas: { ...s.alphas, [name]: 0.5 }, active: [...s.active, name] }));
      expect(getLab().vectors[name]?.samples.pos).toBe(17);
      expect(getLab().alphas[name]).toBe(0.5);
      expect(Object.keys(getLab().vectors).sort()).toEqual([name, 'optimistic'].sort());
      await saved(storage, `lab:${name}`);
      await reload(storage, kv);
      const s = getLab();
      expect(s.traits.find((t) => t.set.name === name)?.origin).toBe('user');
      expect(s.vectors[name]?.samples).toEqual({ pos: 17, neg: 19 });
      expect(Array.from(s.vectors[name]!.data)).toEqual(Array.from(vector(name, 3).data));
      expect(s.vectors.optimistic?.stats).toEqual(STATS);
      expect(s.alphas[name]).toBe(0.5);
      expect(s.active).toContain(name);
      selectTrait(name);
      expect(PROTO_KEYS()).toEqual(PROTO_BEFORE);
      storage.close();
    });
  }

  it('a share link with a trait called "__proto__" opens without an error and steers with it', async () => {
    await ready();
    setLab({ vectors: { __proto__x: vector('__proto__x') } });
    const p: Preset = {
      name: 'hostile',
      modelId: 'fake/model',
      layer: 2,
      positions: 'response',
      sampling: { temperature: 0, topK: 0, topP: 1 },
      seed: 3,
      maxNewTokens: 8,
      systemPrompt: '',
      prompt: '',
      createdAt: 1,
      traits: [
        { name: '__proto__', alpha: 1.5, vector: Float32Array.from([1, 0, 0, 0, 0, 0, 0, 0]) },
        { name: 'constructor', alpha: -1, vector: Float32Array.from([0, 1, 0, 0, 0, 0, 0, 0]) },
      ],
    };
    const link = encodePreset(p);
    expect(decodePreset(link).ok).toBe(true);
    expect(await openShareLink(`#preset=${link}`)).toBe(true);
    const s = getLab();
    expect(s.shareNotice?.kind).toBe('restored');
    expect(s.vectors['__proto__']?.data[3 * 8]).toBeCloseTo(1, 2);
    expect(s.vectors['constructor' as string]?.data[3 * 8 + 1]).toBeCloseTo(1, 2);
    expect(s.alphas).toMatchObject({ ['__proto__']: 1.5, constructor: -1 });
    expect(s.active).toEqual(['__proto__', 'constructor']);
    expect(currentPreset('again')!.traits.map((t) => t.name)).toEqual(['__proto__', 'constructor']);
    expect(PROTO_KEYS()).toEqual(PROTO_BEFORE);
  });
});

describe('imports never overwrite silently', () => {
  it("a link's vector that meets a saved one with other content is kept beside it; the saved statistics survive a reload", async () => {
    const storage = await freshDb();
    const kv = memoryKv();
    persistChanges(storage, kv, 0);
    await ready();
    setLab({ vectors: { optimistic: vector('optimistic', 1) }, alphas: { optimistic: 1 }, active: ['optimistic'], layer: 2 });
    await saved(storage, 'lab:optimistic');
    // a stranger's link: same trait name, another vector
    setLab({ vectors: { optimistic: vector('optimistic', 7) } });
    const theirs = currentPreset('theirs')!;
    setLab({ vectors: { optimistic: vector('optimistic', 1) } });
    await applyPreset(theirs, { load: false });
    let s = getLab();
    expect(s.vectors.optimistic?.stats).toEqual(STATS);
    expect(s.vectors.optimistic?.samples).toEqual({ pos: 17, neg: 19 });
    expect(Array.from(s.vectors.optimistic!.data)).toEqual(Array.from(vector('optimistic', 1).data));
    const kept = s.vectors['optimistic (from link)'];
    expect(kept?.presentRows).toEqual([3]);
    expect(s.active).toEqual(['optimistic (from link)']);
    expect(s.shareNotice?.message).toMatch(/kept beside them: "optimistic" as "optimistic \(from link\)"/);
    // the same link again: no third copy; the user's own link: the saved vector itself
    await applyPreset(theirs, { load: false });
    expect(Object.keys(getLab().vectors).sort()).toEqual(['optimistic', 'optimistic (from link)']);
    const mine = currentPreset('mine');
    setLab({ active: ['optimistic'] });
    await applyPreset({ ...currentPreset('mine')!, createdAt: mine!.createdAt }, { load: false });
    expect(getLab().active).toEqual(['optimistic']);
    expect(Object.keys(getLab().vectors)).toHaveLength(2);
    await saved(storage, 'lab:optimistic (from link)');
    await reload(storage, kv);
    s = getLab();
    expect(s.vectors.optimistic?.stats).toEqual(STATS);
    expect(s.vectors.optimistic?.samples).toEqual({ pos: 17, neg: 19 });
    expect(s.vectors['optimistic (from link)']?.presentRows).toEqual([3]);
    storage.close();
  });

  it('a link whose model did not load changes nothing: vectors, sliders and settings stay', async () => {
    setLab({ vectors: { optimistic: vector('optimistic', 1) }, alphas: { optimistic: 1 }, active: ['optimistic'], systemPrompt: 'mine', seed: 5 });
    const before = getLab();
    const p: Preset = {
      name: 'elsewhere',
      modelId: 'missing/model',
      layer: 1,
      positions: 'all',
      sampling: { temperature: 1, topK: 0, topP: 1 },
      seed: 99,
      maxNewTokens: 9,
      systemPrompt: 'theirs',
      prompt: 'hi',
      createdAt: 1,
      traits: [{ name: 'optimistic', alpha: 3, vector: new Float32Array(8).fill(0.1) }],
    };
    expect(await openShareLink(`#preset=${encodePreset(p)}`)).toBe(true);
    const s = getLab();
    expect(s.loadState).toBe('error');
    expect(s.shareNotice).toMatchObject({ kind: 'mismatch', hint: expect.stringMatching(/nothing in the lab was changed/) });
    expect(s.vectors).toBe(before.vectors);
    expect(s.alphas).toBe(before.alphas);
    expect(s).toMatchObject({ active: ['optimistic'], systemPrompt: 'mine', seed: 5 });
  });

  it("a lab file's trait and vector that meet saved ones with other content are kept beside them, also after a reload", async () => {
    const storage = await freshDb();
    const kv = memoryKv();
    const mine = { ...OPTIMISTIC, name: 'optimistic', description: 'my own words' };
    expect(importTraitsJson(JSON.stringify(mine))).toBe(1);
    setLab({ vectors: { optimistic: vector('optimistic', 1) }, alphas: { optimistic: 0.25 }, active: ['optimistic'] });
    // a file from someone else: the same names, other content
    const other = JSON.parse(
      await exportLab(null, {
        ...getLab(),
        traits: [{ set: { ...getLab().traits.find((t) => t.set.name === 'optimistic')!.set, description: 'their words' }, origin: 'user' }],
        vectors: { optimistic: { ...vector('optimistic', 9), stats: null, samples: { pos: 1, neg: 1 } } },
        alphas: { optimistic: 2 },
      }),
    );
    persistChanges(storage, kv, 0);
    const r = await importLab(JSON.stringify(other), storage);
    expect(r.ok && r.value.renamed).toEqual(['"optimistic" as "optimistic (from file)"']);
    const check = () => {
      const s = getLab();
      expect(s.traits.find((t) => t.set.name === 'optimistic')?.set.description).toBe('my own words');
      expect(s.traits.find((t) => t.set.name === 'optimistic (from file)')?.set.description).toBe('their words');
      expect(s.vectors.optimistic?.stats).toEqual(STATS);
      expect(s.vectors.optimistic?.samples).toEqual({ pos: 17, neg: 19 });
      expect(s.vectors['optimistic (from file)']?.trait).toBe('optimistic (from file)');
      expect(s.vectors['optimistic (from file)']?.samples).toEqual({ pos: 1, neg: 1 });
    };
    check();
    // the file's slider follows its trait's new name
    expect(getLab().alphas['optimistic (from file)']).toBe(2);
    // the same file again adds nothing
    const again = await importLab(JSON.stringify(other), storage);
    expect(again.ok && again.value.renamed).toEqual(['"optimistic" as "optimistic (from file)"']);
    expect(Object.keys(getLab().vectors).sort()).toEqual(['optimistic', 'optimistic (from file)']);
    await reload(storage, kv);
    check();
    storage.close();
  });
  it("a presets file's preset that meets a saved one with other content is kept beside it; the same one again adds nothing", async () => {
    await ready();
    setLab({ vectors: { optimistic: vector('optimistic', 1) }, alphas: { optimistic: 1 }, active: ['optimistic'], layer: 2 });
    const mine = currentPreset('tutor')!;
    setLab({ presets: [mine] });
    const theirs = { ...mine, systemPrompt: 'be terse', createdAt: 9 };
    expect(importPresets(presetsToJson([theirs]))).toBe(1);
    expect(getLab().presets.map((p) => [p.name, p.systemPrompt])).toEqual([
      ['tutor (from file)', 'be terse'],
      ['tutor', mine.systemPrompt],
    ]);
    expect(getLab().shareNotice?.message).toMatch(/kept beside saved presets .*preset "tutor" as "tutor \(from file\)"/);
    expect(importPresets(presetsToJson([theirs, mine]))).toBe(2);
    expect(getLab().presets.map((p) => p.name)).toEqual(['tutor (from file)', 'tutor']);
  });

  it('a lab file whose vector statistics are not numbers is refused (the statistics chart would break on them)', async () => {
    setLab({ vectors: { optimistic: vector('optimistic') } });
    const o = JSON.parse(await exportLab(null));
    expect(parseLabArchive(JSON.stringify(o)).ok).toBe(true);
    o.vectors[0].stats = [{ row: 1, layer: 0, norm: 'big' }];
    expect(parseLabArchive(JSON.stringify(o))).toMatchObject({
      ok: false,
      error: 'vectors[0].stats[0] must be {row, layer, norm, gap, cohensD, auroc} numbers',
    });
  });
});

describe('limits: the same in every format, and a lab file over 50 MB is refused before parsing', () => {
  const base: Preset = {
    name: 'p',
    modelId: 'fake/model',
    layer: 2,
    positions: 'response',
    sampling: { temperature: 0, topK: 0, topP: 1 },
    seed: 1,
    maxNewTokens: 8,
    systemPrompt: '',
    prompt: '',
    createdAt: 1,
    traits: [{ name: 'optimistic', alpha: 1, vector: new Float32Array(8).fill(0.5) }],
  };

  it('a system prompt of 4,000 characters fits a link and a lab file; 4,001 fits neither; trait names stop at 100', async () => {
    const at = 'x'.repeat(TEXT_LIMITS.systemPrompt);
    const over = at + 'y';
    expect(decodePreset(encodePreset({ ...base, systemPrompt: at })).ok).toBe(true);
    const bad = decodePreset(encodePreset({ ...base, systemPrompt: over }));
    expect(!bad.ok && bad.error.message).toMatch(/"systemPrompt" is 4001 characters long; the limit is 4000/);
    const longName = 'n'.repeat(TEXT_LIMITS.traitName + 1);
    const badName = decodePreset(encodePreset({ ...base, traits: [{ ...base.traits[0], name: longName }] }));
    expect(!badName.ok && badName.error.message).toMatch(/"name" is 101 characters long; the limit is 100/);
    expect(importTraitsJson(JSON.stringify({ ...OPTIMISTIC, name: longName }))).toBe(0);
    expect(getLab().traitIssues[0].message).toMatch(/101 characters long; the limit is 100/);

    setLab({ systemPrompt: at, vectors: { optimistic: vector('optimistic') } });
    const file = JSON.parse(await exportLab(null));
    expect(parseLabArchive(JSON.stringify(file)).ok).toBe(true);
    const refuse = async (patch: (o: typeof file) => void, msg: RegExp) => {
      const o = structuredClone(file);
      patch(o);
      const before = getLab();
      const r = await importLab(JSON.stringify(o), null);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.error).toMatch(msg);
      expect(!r.ok && r.hint).toMatch(/nothing in the lab was changed/i);
      expect(getLab().vectors).toBe(before.vectors);
    };
    await refuse((o) => {
      o.settings.systemPrompt = over;
    }, /settings\.systemPrompt must be text of at most 4000 characters/);
    await refuse((o) => {
      o.settings.draft = 'd'.repeat(TEXT_LIMITS.userMessage + 1);
    }, /settings\.draft must be text of at most 4000/);
    await refuse((o) => {
      o.settings.turns = [{ id: 't', user: 'u'.repeat(4001), unsteered: '', steered: '', alphas: {}, layer: null, seed: 1, status: 'done' }];
    }, /settings\.turns must be a list of at most 1000 chat turns/);
    await refuse((o) => {
      o.vectors[0].trait = longName;
    }, /vectors\[0\]\.trait must be text of 1 to 100 characters/);
    await refuse((o) => {
      o.vectors[0].note = 'n'.repeat(TEXT_LIMITS.note + 1);
    }, /vectors\[0\]\.note must be text of at most 2000/);
  });

  it('an 80 MB lab file is refused by its size, before any parsing, and the lab is unchanged', async () => {
    setLab({ vectors: { optimistic: vector('optimistic') }, systemPrompt: 'kept' });
    expect(labFileSizeProblem(80_000_000)?.error).toBe('the file is 80 MB; a lab file may be at most 50 MB, so it was not read');
    expect(labFileSizeProblem(MAX_LAB_FILE_BYTES)).toBeNull();
    // a valid-looking file whose system prompt alone is 80 MB (what made the next reload hang)
    const file = JSON.parse(await exportLab(null));
    const huge = JSON.stringify({ ...file, settings: { ...file.settings, systemPrompt: '' } }).replace(
      '"systemPrompt":""',
      `"systemPrompt":"${'a'.repeat(80_000_000)}"`,
    );
    const r = await importLab(huge, null);
    expect(r).toEqual({
      ok: false,
      error: expect.stringMatching(/^the file is 80 MB; a lab file may be at most 50 MB/),
      hint: expect.stringMatching(/nothing in the lab was changed/),
    });
    // refused before parsing: a file of the same size that is not even JSON gets the same sentence
    expect(parseLabArchive('{'.repeat(MAX_LAB_FILE_BYTES + 1))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^the file is 50000001 bytes; a lab file may be at most 50000000 bytes/),
    });
    expect(getLab().systemPrompt).toBe('kept');
    expect(getLab().vectors.optimistic?.samples.pos).toBe(17);
  });

  it('a saved settings document with a field over its limit drops that field on reload and keeps the rest', async () => {
    const kv = memoryKv();
    const turn = (id: string, user: string) => ({ id, user, unsteered: 'a', steered: 'b', alphas: {}, layer: 2, seed: 1, status: 'done' });
    const turns = [turn('t1', 'first'), turn('t2', 'u'.repeat(TEXT_LIMITS.userMessage + 1)), turn('t3', 'third')];
    kv.setItem(
      SETTINGS_KEY,
      JSON.stringify({ systemPrompt: 's'.repeat(TEXT_LIMITS.systemPrompt + 1), seed: 77, alphas: { ['__proto__']: 1, constructor: 2 }, draft: 'hello', turns }),
    );
    expect(await restore(null, kv)).toBe(true);
    expect(getLab()).toMatchObject({ systemPrompt: '', seed: 77, draft: 'hello' });
    // one damaged turn is dropped; the conversation around it stays
    expect(getLab().turns.map((t) => t.user)).toEqual(['first', 'third']);
    expect(Object.entries(getLab().alphas)).toEqual([
      ['__proto__', 1],
      ['constructor', 2],
    ]);
  });
});

describe('a trait file that holds no trait says what was wrong and what to do', () => {
  const cases: [string, RegExp][] = [
    ['[]', /the file holds an empty list, so there was no trait to import\. A trait file holds one trait set/],
    ['{}', /this is not a trait set: it has none of the fields name, instruction, questions, eval_prompt\. A trait file holds/],
    [
      '{"vectors": [], "persona_lab": {}}',
      /this is not a trait set \(it looks like a vector file: use "Import vector" under the trait's vector\): .*\(it has "vectors", "persona_lab"\)/,
    ],
    ['{"format": "persona-lab-archive", "version": 1}', /this is not a trait set \(it is a lab file: use "Import lab…" in the Presets panel\)/],
    ['42', /a trait set must be a JSON object, got number/],
    ['[1, {}]', /\[0\].*must be a JSON object/],
  ];
  it('a trait file over 2 MB is refused by its size before it is read', () => {
    const before = getLab().traits;
    expect(refuseLargeTraitFile(2_000_000, 'ok.json')).toBe(false);
    expect(refuseLargeTraitFile(3_000_000, 'big.json')).toBe(true);
    expect(getLab().traitIssues).toEqual([
      {
        path: 'big.json',
        message: expect.stringMatching(/^the file is 3\.0 MB; a trait file may be at most 2\.0 MB, so it was not read\. A trait file holds/),
      },
    ]);
    expect(importTraitsJson(' '.repeat(2_000_001))).toBe(0);
    expect(getLab().traitIssues[0].message).toMatch(/^the file is 2000001 bytes; a trait file may be at most 2000000 bytes/);
    expect(getLab().traits).toBe(before);
  });

  for (const [text, msg] of cases) {
    it(`${text} → a clear message; saved traits unchanged`, () => {
      importTraitsJson(JSON.stringify({ ...OPTIMISTIC, name: 'mine' }));
      const before = getLab().traits;
      expect(importTraitsJson(text, 'file.json')).toBe(0);
      expect(
        getLab()
          .traitIssues.map((i) => `${i.path} ${i.message}`)
          .join(' | '),
      ).toMatch(msg);
      expect(getLab().traits).toBe(before);
    });
  }
});

describe('saved work after a run of bad inputs and a persisted reload', () => {
  it('traits, vectors (with statistics), presets and settings are all intact', async () => {
    const storage = await freshDb();
    const kv = memoryKv();
    persistChanges(storage, kv, 0);
    await ready();
    importTraitsJson(JSON.stringify({ ...OPTIMISTIC, name: 'mine' }));
    setLab({ vectors: { mine: vector('mine', 1) }, alphas: { mine: 0.5 }, active: ['mine'], layer: 2, systemPrompt: 'keep me' });
    const preset = currentPreset('saved')!;
    setLab({ presets: [preset] });
    await saved(storage, 'lab:mine');
    const expectIntact = () => {
      const s = getLab();
      expect(s.traits.find((t) => t.set.name === 'mine')?.origin).toBe('user');
      expect(s.vectors.mine?.stats).toEqual(STATS);
      expect(s.vectors.mine?.samples).toEqual({ pos: 17, neg: 19 });
      expect(Array.from(s.vectors.mine!.data)).toEqual(Array.from(vector('mine', 1).data));
      expect(s.presets.map((p) => p.name)).toEqual(['saved']);
      expect(s.systemPrompt).toBe('keep me');
    };
    // a broken link, a link for another model, a too-large lab file, a lab file with a bad field, empty and hostile trait files
    expect(await openShareLink('#preset=1.AAAA')).toBe(false);
    await applyPreset({ ...preset, modelId: 'other/model', traits: preset.traits.map((t) => ({ ...t, vector: new Float32Array(16) })) }, { load: false });
    expect((await importLab('{'.repeat(MAX_LAB_FILE_BYTES + 1), storage)).ok).toBe(false);
    const file = JSON.parse(await exportLab(storage));
    expect((await importLab(JSON.stringify({ ...file, settings: { ...file.settings, systemPrompt: 'x'.repeat(5000) } }), storage)).ok).toBe(false);
    expect(importTraitsJson('[]')).toBe(0);
    expect(importTraitsJson('{}')).toBe(0);
    expect(importTraitsJson(JSON.stringify({ ...OPTIMISTIC, name: '__proto__' }))).toBe(1);
    // a GGUF whose direction is narrower than its own full copy says
    const v = makePersonaVector(5, 8, vector('mine', 2).data, { modelId: 'fake/model', layer: 2 });
    const f = readGguf(exportControlVectorGguf(v));
    const narrow = writeGguf(f.kv, [{ name: 'direction.2', dims: [4], data: new Float32Array(4) }]);
    expect(await importVectorForTrait('mine', narrow, 'narrow.gguf')).toBeNull();
    expect(getLab().vectorFileError?.message).toMatch(/narrow\.gguf \(gguf\): .*4 values wide/);
    expectIntact();
    await saved(storage, 'lab:mine');
    await reload(storage, kv);
    expectIntact();
    expect(getLab().traits.some((t) => t.set.name === '__proto__')).toBe(true);
    storage.close();
  });
});
