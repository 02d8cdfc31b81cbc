import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { BUILTIN_TRAITS } from '../persona/traits';
import { COLLECTIONS, IndexedDbStorage, type PersonaStorage } from '../storage';
import { exportLab, importLab, LAB_ARCHIVE_FORMAT, parseLabArchive } from './labArchive';
import { SETTINGS, stopPersistence } from './persist';
import { getLab, resetLab, setLab } from './store';
import { fakeVector } from './testing/fakeEngine';
import type { Preset, VectorEntry } from './types';

let dbCount = 0;
const freshDb = () => IndexedDbStorage.open({ name: `archive-${++dbCount}` });

function vector(trait: string, rows = 5, hidden = 8): VectorEntry {
  return fakeVector(trait, (i) => Math.sin(i + trait.length) * 0.37, { samples: { pos: 3, neg: 4 }, note: 'n', createdAt: 123 }, rows, hidden);
}

function preset(name: string): Preset {
  return {
    name,
    modelId: 'fake/model',
    layer: 2,
    positions: 'all',
    sampling: { temperature: 0.5, topK: 3, topP: 0.9 },
    seed: 9,
    maxNewTokens: 30,
    systemPrompt: 'sys',
    prompt: 'hi',
    traits: [{ name: 'optimistic', alpha: 1.25, vector: Float32Array.from([0.1, -0.2, 0.3, 0, 0, 0, 0, 1e-7]), typicalNorm: 10 }],
    createdAt: 456,
  };
}

/** Every record of every collection, for comparison. */
async function dump(s: PersonaStorage): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const c of COLLECTIONS) out[c] = await s.list(c);
  return out;
}

async function fill(storage: PersonaStorage): Promise<void> {
  const mine = { ...BUILTIN_TRAITS[0], name: 'my-trait' };
  setLab((s) => ({
    traits: [...s.traits, { set: mine, origin: 'user' }],
    vectors: { optimistic: { ...vector('optimistic'), readout: 'prompt_last' }, 'my-trait': { ...vector('my-trait'), presentRows: [3], typicalNorms: null } },
    extractSettings: { questions: 3, pairs: 2, samples: 1, maxNewTokens: 20, filter: false, readout: 'prompt_last' },
    presets: [preset('p1'), preset('p2')],
    alphas: { optimistic: 1.5, 'my-trait': -0.5 },
    active: ['optimistic', 'my-trait'],
    layer: 2,
    positions: 'prompt',
    sampling: { temperature: 0.7, topK: 5, topP: 0.95 },
    seed: 11,
    maxNewTokens: 77,
    systemPrompt: 'be brief',
    draft: 'draft text',
    turns: [{ id: 't1', user: 'hello', unsteered: 'a', steered: 'b', alphas: { optimistic: 1.5 }, layer: 2, seed: 11, status: 'done' }],
    tab: 'presets',
    theme: 'light',
    monitorText: 'some text',
    selectedTrait: 'my-trait',
    hubHost: 'https://mirror.example',
    modelText: 'fake/model',
  }));
  await storage.put('runs', { id: 'run-1', status: 'done', judge: { kind: 'openai', baseUrl: 'http://127.0.0.1:1/v1', model: 'j' }, updatedAt: 5 });
  await storage.putMany('rollouts', [
    { id: 'run-1:pos:0', text: 'yay' },
    { id: 'run-1:neg:0', text: 'meh' },
  ]);
  await storage.put('scores', { id: 'run-1:pos:0|openai', trait: 80, coherence: null });
  await storage.put('activationMeans', { id: 'run-1:pos', sums: new Float64Array([1.5, -2.25, 1e-300]), counts: new Int32Array([3, 4]), included: ['a'] });
}

function labView() {
  const s = getLab();
  return {
    settings: Object.fromEntries(SETTINGS.map((k) => [k, s[k]])),
    traits: s.traits.filter((t) => t.origin === 'user'),
    vectors: s.vectors,
    presets: s.presets,
  };
}

beforeEach(() => {
  stopPersistence();
  resetLab();
});

describe('lab archive (export everything as one file, import it)', () => {
  it('round-trips: fill, export, clear, import → the same store state and the same IndexedDB records', async () => {
    const a = await freshDb();
    await fill(a);
    const text = await exportLab(a);
    const before = { lab: labView(), records: await dump(a) };
    // the store's own records, as persistence would have written them
    const { writeLabRecords } = await import('./persist');
    await writeLabRecords(a, getLab());
    const recordsBefore = await dump(a);
    a.close();

    resetLab();
    const b = await freshDb();
    expect(labView().vectors).toEqual({});
    // the file names a Hub host: it is used at once only when the user allowed it before (actions/hostConsent.ts asks otherwise)
    setLab({ approvedHosts: ['https://mirror.example'] });
    const r = await importLab(text, b);
    expect(r).toEqual({ ok: true, value: { traits: 1, vectors: 2, presets: 2, records: 5, renamed: [] } });
    expect(labView()).toEqual(before.lab);
    expect(getLab().alphaNote).toBeNull();
    const after = await dump(b);
    expect(after).toEqual(recordsBefore);
    // typed arrays come back typed and bit-exact
    const means = after.activationMeans[0] as { sums: Float64Array; counts: Int32Array };
    expect(means.sums).toBeInstanceOf(Float64Array);
    expect(Array.from(means.sums)).toEqual([1.5, -2.25, 1e-300]);
    expect(means.counts).toBeInstanceOf(Int32Array);
    expect(getLab().vectors.optimistic.data).toBeInstanceOf(Float32Array);
    expect(getLab().vectors.optimistic.readout).toBe('prompt_last');
    expect(getLab().vectors['my-trait'].readout).toBeUndefined();
    expect(getLab().extractSettings.readout).toBe('prompt_last');
    expect(before.records.rollouts).toHaveLength(2);
    // export of the restored lab gives the same content
    const again = JSON.parse(await exportLab(b));
    const first = JSON.parse(text);
    expect({ ...again, createdAt: 0 }).toEqual({ ...first, createdAt: 0 });
    b.close();
  });

  it('refuses bad files with an error naming the field, and changes nothing', async () => {
    const a = await freshDb();
    await fill(a);
    const good = await exportLab(a);
    const o = JSON.parse(good);
    const before = { lab: labView(), records: await dump(a) };
    const cases: [string, RegExp][] = [
      [JSON.stringify({ ...o, version: 2 }), /"version" is 2; this lab reads version 1/],
      [JSON.stringify({ ...o, format: 'persona-lab-presets' }), /"format" is "persona-lab-presets"/],
      [JSON.stringify({ ...o, vectors: undefined }), /"vectors" is missing/],
      [JSON.stringify({ ...o, settings: { ...o.settings, layer: 'two' } }), /settings\.layer must be a block index or null/],
      [JSON.stringify({ ...o, vectors: [{ ...o.vectors[0], rows: 6 }] }), /vectors\[0\]\.data has 40 values; rows × hidden is 48/],
      [
        JSON.stringify({ ...o, vectors: [{ ...o.vectors[0], data: { $typed: 'Float32Array', base64: 'abc' } }] }),
        /vectors\[0\]\.data: the Float32Array data is damaged/,
      ],
      [JSON.stringify({ ...o, presets: [{ ...o.presets[0], positions: 'sideways' }] }), /presets\[0\]: "positions" must be one of/],
      [
        JSON.stringify({ ...o, vectors: [{ ...o.vectors[0], readout: 'response_last' }] }),
        /^vectors\[0\]\.readout is "response_last"; it must be one of "response_avg", "prompt_avg", "prompt_last" \(or absent: response_avg\)$/,
      ],
      [
        JSON.stringify({ ...o, settings: { ...o.settings, extractSettings: { ...o.settings.extractSettings, readout: 7 } } }),
        /^settings\.extractSettings must be .*an optional readout \("response_avg", "prompt_avg", "prompt_last"\)$/,
      ],
      [JSON.stringify({ ...o, traits: [{ set: { name: 'x' }, origin: 'user' }] }), /traits\[0\]\.set/],
      [
        JSON.stringify({
          ...o,
          vectors: [
            {
              ...o.vectors[0],
              sweep: {
                cells: [{ ...{ layer: 1, alpha: 2, rho: 0.5, trait: 60, coherence: 90, n: 4 }, rho: 'half' }],
                suggested: null,
                note: null,
                controlsChecked: 0,
              },
            },
          ],
        }),
        /^vectors\[0\]\.sweep\.cells\[0\]\.rho must be a number \(or absent\)$/,
      ],
      [
        JSON.stringify({
          ...o,
          vectors: [
            {
              ...o.vectors[0],
              sweep: {
                cells: [{ layer: 1, alpha: 2, rho: 0.5, trait: 60, coherence: 90, n: 4 }],
                suggested: null,
                note: null,
                controlsChecked: 1,
                controls: [
                  {
                    cell: { layer: 1, alpha: 2, rho: 0.5, trait: 60, coherence: 90, n: 4 },
                    specific: true,
                    shuffled: [{ trait: 'high', coherence: 90, cos: 0 }],
                  },
                ],
              },
            },
          ],
        }),
        /^vectors\[0\]\.sweep\.controls\[0\]\.shuffled\[0\] must be \{trait, coherence, cos\} numbers$/,
      ],
      [
        JSON.stringify({
          ...o,
          vectors: [
            {
              ...o.vectors[0],
              sweep: {
                cells: [{ layer: 1, alpha: 2, rho: 0.5, trait: 60, coherence: 90, n: 4 }],
                suggested: null,
                note: null,
                controlsChecked: 1,
                controls: {},
              },
            },
          ],
        }),
        /^vectors\[0\]\.sweep\.controls must be a list/,
      ],
      [JSON.stringify({ ...o, records: { nope: [] } }), /records\.nope is not a storage collection/],
      [JSON.stringify({ ...o, records: { runs: [{ status: 'x' }] } }), /records\.runs\[0\]\.id must be a non-empty string/],
      [good.slice(0, Math.floor(good.length / 2)), /not valid JSON, perhaps truncated/],
      ['', /not valid JSON/],
      ['[]', /must hold a JSON object/],
    ];
    for (const [text, msg] of cases) {
      const r = await importLab(text, a);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error).toMatch(msg);
        expect(r.hint).toMatch(/nothing in the lab was changed/i);
      }
    }
    expect(labView()).toEqual(before.lab);
    expect(await dump(a)).toEqual(before.records);
    expect(parseLabArchive(good).ok).toBe(true);
    expect(JSON.parse(good).format).toBe(LAB_ARCHIVE_FORMAT);
    a.close();
  });

  it('an archive made before readouts existed imports: vectors without one are response_avg, the extraction readout defaults', async () => {
    const a = await freshDb();
    await fill(a);
    const o = JSON.parse(await exportLab(a));
    const { readout: _drop, ...oldSettings } = o.settings.extractSettings;
    delete o.vectors[0].readout;
    resetLab();
    const r = await importLab(JSON.stringify({ ...o, settings: { ...o.settings, extractSettings: oldSettings } }), a);
    expect(r.ok).toBe(true);
    expect(getLab().vectors.optimistic.readout).toBeUndefined();
    expect(getLab().extractSettings).toEqual({ ...oldSettings, readout: 'response_avg' });
    a.close();
  });

  it('import keeps what is already there (same names replaced, others kept) and clamps α like any other entry', async () => {
    const a = await freshDb();
    await fill(a);
    const o = JSON.parse(await exportLab(a));
    resetLab();
    setLab({ presets: [preset('kept')], vectors: { other: vector('other') } });
    const r = await importLab(JSON.stringify({ ...o, settings: { ...o.settings, alphas: { optimistic: 1e6 } } }), a);
    expect(r.ok).toBe(true);
    expect(
      getLab()
        .presets.map((p) => p.name)
        .sort(),
    ).toEqual(['kept', 'p1', 'p2']);
    expect(Object.keys(getLab().vectors).sort()).toEqual(['my-trait', 'optimistic', 'other']);
    // optimistic row 3 norm × α vs typical norm 10: clamped to 12× the typical norm (the archive steers the prompt only)
    expect(getLab().alphaNote).toMatch(/optimistic: α 1\.00e\+6 would add .*limited to 12× .*\(prompt mode\)/);
    expect(Math.abs(getLab().alphas.optimistic)).toBeLessThan(1e6);
    a.close();
  });
});
