/**
 * "Import vector" onto a trait that already has a vector never replaces it silently: the checked
 * file waits (vectorReplace) for the user's answer; Keep leaves the vector, its statistics and the
 * saved record as they were (also after a persisted reload); Replace imports the file.
 */
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { makePersonaVector } from '../../persona/personaVector';
import { exportVectorSafetensors } from '../../persona/vectorFile';
import { IndexedDbStorage, type PersonaStorage } from '../../storage';
import { setEngine } from '../engine';
import { persistChanges, restore, stopPersistence, type KeyValue } from '../persist';
import { setStorage } from '../storage';
import { getLab, resetLab, setLab } from '../store';
import { fakeEngine, fakeInfo } from '../testing/fakeEngine';
import type { LayerStat, VectorEntry } from '../types';
import { loadModel } from './model';
import { answerVectorReplace, importVectorForTrait } from './vectorFiles';

const L = 4,
  H = 8;
const STATS: LayerStat[] = [{ row: 3, layer: 2, norm: 4, gap: 1.5, cohensD: 2.25, auroc: 0.875 }];

function extracted(trait: string): VectorEntry {
  return {
    trait,
    modelId: 'fake/model',
    rows: L + 1,
    hidden: H,
    data: Float32Array.from({ length: (L + 1) * H }, (_, i) => Math.sin(i + 0.5)),
    layer: 2,
    stats: STATS,
    typicalNorms: Array(L + 1).fill(10),
    samples: { pos: 17, neg: 19 },
    createdAt: 5,
  };
}

/** A valid safetensors file for the fake model, its values from `seed`. */
function file(seed: number): { bytes: Uint8Array; data: Float32Array } {
  const data = Float32Array.from({ length: (L + 1) * H }, (_, i) => Math.cos(i * seed));
  return { bytes: exportVectorSafetensors(makePersonaVector(L + 1, H, data, { modelId: 'fake/model', layer: 1 })), data };
}

const memoryKv = (): KeyValue => {
  const map = new Map<string, string>();
  return { getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) };
};

/** Waits until the debounced saves have written the vector of `trait` with `createdAt` (bounded; the assertion follows). */
async function savedVector(storage: PersonaStorage, trait: string, createdAt: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const r = await storage.get<{ id: string; vector: VectorEntry }>('vectors', `lab:${trait}`);
    if (r?.vector.createdAt === createdAt) return;
    await new Promise((res) => setTimeout(res, 0));
  }
}

beforeEach(async () => {
  stopPersistence();
  resetLab();
  setEngine(fakeEngine(fakeInfo(L, H)));
  setStorage(null);
  setLab({ modelText: 'fake/model', hubHost: 'https://huggingface.co' });
  expect(await loadModel()).toBe(true);
});

describe('Import vector onto a trait that has a vector', () => {
  it('asks first; Keep changes nothing, in the store or in storage after a reload', async () => {
    const storage = await IndexedDbStorage.open({ name: 'vector-replace-keep' });
    const kv = memoryKv();
    persistChanges(storage, kv, 0);
    const mine = extracted('mine');
    setLab({ vectors: { mine }, active: ['mine'], alphas: { mine: 1.5 }, layer: 2 });
    await savedVector(storage, 'mine', 5);

    expect(await importVectorForTrait('mine', file(2).bytes, 'other.safetensors')).toBeNull();
    let s = getLab();
    expect(s.vectorReplace).toMatchObject({ trait: 'mine', fileName: 'other.safetensors' });
    expect(s.vectors.mine).toBe(mine);
    expect(s.vectorFileError).toBeNull();

    expect(await answerVectorReplace(false)).toBeNull();
    s = getLab();
    expect(s.vectorReplace).toBeNull();
    expect(s.vectors.mine).toBe(mine);
    expect(s.alphas.mine).toBe(1.5);
    expect(s.layer).toBe(2);

    await new Promise((r) => setTimeout(r, 5));
    stopPersistence();
    resetLab();
    await restore(storage, kv);
    const back = getLab().vectors.mine;
    expect(back?.stats).toEqual(STATS);
    expect(back?.samples).toEqual({ pos: 17, neg: 19 });
    expect(Array.from(back!.data)).toEqual(Array.from(mine.data));
    storage.close();
  });

  it('Replace imports the waiting file over the vector', async () => {
    setLab({ vectors: { mine: extracted('mine') }, active: ['mine'], layer: 2 });
    const f = file(3);
    expect(await importVectorForTrait('mine', f.bytes, 'other.safetensors')).toBeNull();
    const v = await answerVectorReplace(true);
    expect(v).not.toBeNull();
    const s = getLab();
    expect(s.vectorReplace).toBeNull();
    expect(Array.from(s.vectors.mine.data)).toEqual(Array.from(f.data));
    expect(s.vectors.mine.stats).toBeNull();
    expect(s.vectors.mine.note).toMatch(/^imported from other\.safetensors \(safetensors\)/);
  });

  it('an imported vector is asked about too, and replace: true replaces without asking', async () => {
    const a = file(4),
      b = file(5);
    expect(await importVectorForTrait('mine', a.bytes, 'a.safetensors')).not.toBeNull(); // no vector yet: no question
    expect(getLab().vectorReplace).toBeNull();
    expect(await importVectorForTrait('mine', b.bytes, 'b.safetensors')).toBeNull();
    expect(Array.from(getLab().vectors.mine.data)).toEqual(Array.from(a.data));
    expect(await importVectorForTrait('mine', b.bytes, 'b.safetensors', { replace: true })).not.toBeNull();
    expect(Array.from(getLab().vectors.mine.data)).toEqual(Array.from(b.data));
    expect(getLab().vectorReplace).toBeNull();
  });

  it('a file that does not fit the model gets its error, not the question', async () => {
    const mine = extracted('mine');
    setLab({ vectors: { mine } });
    const wide = exportVectorSafetensors(makePersonaVector(L + 1, 16, new Float32Array((L + 1) * 16)));
    expect(await importVectorForTrait('mine', wide, 'wide.safetensors')).toBeNull();
    expect(getLab().vectorFileError?.message).toMatch(/wide\.safetensors .*hidden size is 16 but the model has 8/);
    expect(getLab().vectorReplace).toBeNull();
    expect(getLab().vectors.mine).toBe(mine);
  });

  it('a vector that arrives while the file is being read is not replaced either', async () => {
    const f = file(6);
    const importing = importVectorForTrait('mine', f.bytes, 'late.safetensors'); // no vector yet when it starts
    const mine = extracted('mine');
    setLab({ vectors: { mine } }); // an extraction finishes meanwhile
    expect(await importing).toBeNull();
    expect(getLab().vectors.mine).toBe(mine);
    expect(getLab().vectorReplace).toMatchObject({ trait: 'mine', fileName: 'late.safetensors' });
  });
});
