import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { FallbackStorage, IndexedDbStorage, MemoryStorage, openStorage, StorageError, type PersonaStorage } from './index';

let dbCount = 0;
const fresh = () => ({ name: `test-${++dbCount}` });

function contract(name: string, make: () => Promise<PersonaStorage>) {
  describe(`${name} storage`, () => {
    it('puts, gets, overwrites (last write wins) and deletes records', async () => {
      const s = await make();
      await s.put('runs', { id: 'r1', n: 1 });
      await s.put('runs', { id: 'r1', n: 2 });
      expect(await s.get('runs', 'r1')).toEqual({ id: 'r1', n: 2 });
      expect(await s.get('runs', 'missing')).toBeUndefined();
      expect(await s.get('vectors', 'r1')).toBeUndefined();
      await s.delete('runs', 'r1');
      expect(await s.get('runs', 'r1')).toBeUndefined();
      s.close();
    });

    it('keeps typed arrays and copies records in and out', async () => {
      const s = await make();
      const rec = { id: 'v', data: new Float32Array([1, 2, 3]), sums: new Float64Array([0.5]) };
      await s.put('vectors', rec);
      rec.data[0] = 99;
      const got = await s.get<typeof rec>('vectors', 'v');
      expect(got!.data).toBeInstanceOf(Float32Array);
      expect(Array.from(got!.data)).toEqual([1, 2, 3]);
      expect(got!.sums).toBeInstanceOf(Float64Array);
      s.close();
    });

    it('lists, counts and deletes by id prefix in id order', async () => {
      const s = await make();
      await s.putMany('rollouts', [{ id: 'b:2' }, { id: 'a:1' }, { id: 'a:0' }, { id: 'ab' }]);
      expect(await s.keys('rollouts')).toEqual(['a:0', 'a:1', 'ab', 'b:2']);
      expect((await s.list('rollouts', 'a:')).map((r) => r.id)).toEqual(['a:0', 'a:1']);
      expect(await s.deletePrefix('rollouts', 'a:')).toBe(2);
      expect(await s.keys('rollouts')).toEqual(['ab', 'b:2']);
      s.close();
    });

    it('rejects records without an id and unknown collections with StorageError', async () => {
      const s = await make();
      await expect(s.put('runs', { id: '' })).rejects.toBeInstanceOf(StorageError);
      await expect(s.put('nope' as 'runs', { id: 'x' })).rejects.toThrow(/unknown collection/);
      s.close();
    });
  });
}

contract('memory', async () => new MemoryStorage());
contract('IndexedDB', () => IndexedDbStorage.open(fresh()));
contract('fallback (IndexedDB)', () => openStorage(fresh()));

describe('IndexedDB persistence and fallback', () => {
  it('survives closing and reopening the database (resume after reload)', async () => {
    const opts = fresh();
    const a = await IndexedDbStorage.open(opts);
    await a.put('presets', { id: 'p', alpha: 1.5 });
    a.close();
    const b = await IndexedDbStorage.open(opts);
    expect(await b.get('presets', 'p')).toEqual({ id: 'p', alpha: 1.5 });
    b.close();
  });

  it('two tabs on one database: interleaved writes never corrupt records, the last write wins per record', async () => {
    const opts = fresh();
    const [tabA, tabB] = await Promise.all([IndexedDbStorage.open(opts), IndexedDbStorage.open(opts)]);
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      writes.push(tabA.put('vectors', { id: `v${i % 5}`, tab: 'A', i, data: new Float32Array([i, i]) }));
      writes.push(tabB.put('vectors', { id: `v${i % 5}`, tab: 'B', i, data: new Float32Array([-i, -i]) }));
    }
    await Promise.all(writes);
    const seenByA = await tabA.list('vectors');
    const seenByB = await tabB.list('vectors');
    expect(seenByA).toEqual(seenByB);
    expect(seenByA.map((r) => r.id)).toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
    for (const r of seenByA as unknown as { id: string; tab: string; i: number; data: Float32Array }[]) {
      // Each record is whole (one tab's write, never a mix) and is the last write issued for it (tab B's, i = 15..19).
      expect(r.tab).toBe('B');
      expect(r.i).toBe(15 + Number(r.id.slice(1)));
      expect(Array.from(r.data)).toEqual([-r.i, -r.i]);
    }
    tabA.close();
    tabB.close();
  });

  it('falls back to memory with a typed error when IndexedDB is unavailable', async () => {
    const seen: StorageError[] = [];
    const broken = {
      open: () => {
        throw new Error('SecurityError: access denied');
      },
    } as unknown as IDBFactory;
    const t = await openStorage({ factory: broken, onFallback: (e) => seen.push(e) });
    expect(t.kind).toBe('memory');
    expect(t.fallbackError?.code).toBe('unavailable');
    expect(seen.map((e) => e.code)).toEqual(['unavailable']);
    await t.put('runs', { id: 'x' });
    expect(await t.get('runs', 'x')).toEqual({ id: 'x' });
  });

  it('turns a quota error into StorageError "quota", keeps the record in memory and keeps reading IndexedDB', async () => {
    const factory = new IDBFactory();
    const seen: StorageError[] = [];
    const s = await openStorage({ factory, name: 'quota', onFallback: (e) => seen.push(e) });
    await s.put('runs', { id: 'before' });
    const proto = Object.getPrototypeOf(
      ((await IndexedDbStorage.open({ factory, name: 'probe' })) as unknown as { db: IDBDatabase }).db.transaction('runs', 'readwrite').objectStore('runs'),
    );
    const original = proto.put;
    proto.put = function () {
      throw new DOMException('quota reached', 'QuotaExceededError');
    };
    try {
      await s.put('runs', { id: 'after', big: new Float32Array(4) });
    } finally {
      proto.put = original;
    }
    expect(s.kind).toBe('memory');
    expect(s.fallbackError).toBeInstanceOf(StorageError);
    expect(s.fallbackError!.code).toBe('quota');
    expect(s.fallbackError!.hint).toMatch(/memory/);
    expect(seen).toHaveLength(1);
    expect(await s.keys('runs')).toEqual(['after', 'before']);
    expect((await s.get<{ id: string; big: Float32Array }>('runs', 'after'))!.big).toHaveLength(4);
    expect(await s.get('runs', 'before')).toEqual({ id: 'before' });
    s.close();
  });

  it('reports a quota error from IndexedDbStorage itself as StorageError "quota"', async () => {
    const factory = new IDBFactory();
    const s = await IndexedDbStorage.open({ factory, name: 'q2' });
    const proto = Object.getPrototypeOf((s as unknown as { db: IDBDatabase }).db.transaction('runs', 'readwrite').objectStore('runs'));
    const original = proto.put;
    proto.put = function () {
      throw new DOMException('quota reached', 'QuotaExceededError');
    };
    try {
      const err = await s.put('runs', { id: 'x' }).catch((e) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect(err.code).toBe('quota');
    } finally {
      proto.put = original;
    }
    expect(FallbackStorage).toBeDefined();
    s.close();
  });
});
