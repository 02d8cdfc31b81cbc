/**
 * IndexedDB storage: one database, one object store per collection (keyPath "id"). Every call is
 * one transaction; putMany writes its records atomically. Failures become StorageError
 * ('quota' when the browser's quota is reached, 'unavailable' when IndexedDB cannot be opened).
 */
import {
  assertCollection,
  assertRecord,
  COLLECTIONS,
  isQuotaError,
  PREFIX_END,
  StorageError,
  type CollectionName,
  type PersonaStorage,
  type StoreRecord,
} from './types';

export const DB_NAME = 'persona-lab';
/** Bump when COLLECTIONS grows: the upgrade creates missing object stores. */
export const DB_VERSION = 1;

export interface IndexedDbOptions {
  name?: string;
  /** The IDBFactory to use (default globalThis.indexedDB). */
  factory?: IDBFactory;
}

function wrap(e: unknown, what: string): StorageError {
  if (e instanceof StorageError) return e;
  const err = e as { name?: string; message?: string } | null;
  if (isQuotaError(e)) {
    return new StorageError(
      'quota',
      `the browser's storage quota is full; ${what} was not saved`,
      'Delete old runs or vectors, or allow this site more storage; results are kept in memory until the tab closes.',
    );
  }
  return new StorageError('failed', `${what} failed: ${err?.message || err?.name || String(e)}`);
}

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new DOMException('transaction aborted', 'AbortError'));
  });
}

function range(prefix: string): IDBKeyRange | undefined {
  return prefix ? IDBKeyRange.bound(prefix, prefix + PREFIX_END) : undefined;
}

export class IndexedDbStorage implements PersonaStorage {
  readonly kind = 'indexeddb' as const;
  private constructor(private readonly db: IDBDatabase) {}

  /** Opens (and creates or upgrades) the database; StorageError 'unavailable' / 'blocked' on failure. */
  static async open(options: IndexedDbOptions = {}): Promise<IndexedDbStorage> {
    const factory = options.factory ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    if (!factory) {
      throw new StorageError(
        'unavailable',
        'IndexedDB is not available here',
        'Private windows and some embedded browsers disable it; results are kept in memory until the tab closes.',
      );
    }
    let req: IDBOpenDBRequest;
    try {
      req = factory.open(options.name ?? DB_NAME, DB_VERSION);
    } catch (e) {
      throw new StorageError('unavailable', `IndexedDB could not be opened: ${(e as Error)?.message ?? e}`, 'Results are kept in memory until the tab closes.');
    }
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      req.onupgradeneeded = () => {
        const d = req.result;
        for (const c of COLLECTIONS) if (!d.objectStoreNames.contains(c)) d.createObjectStore(c, { keyPath: 'id' });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () =>
        reject(
          new StorageError(
            'unavailable',
            `IndexedDB could not be opened: ${req.error?.message ?? 'unknown error'}`,
            'Results are kept in memory until the tab closes.',
          ),
        );
      req.onblocked = () =>
        reject(new StorageError('blocked', 'IndexedDB is held by an older version of the lab in another tab', 'Close the other Persona Lab tabs and reload.'));
    });
    db.onversionchange = () => db.close();
    return new IndexedDbStorage(db);
  }

  private async run<T>(collection: CollectionName, mode: IDBTransactionMode, what: string, body: (store: IDBObjectStore) => Promise<T> | T): Promise<T> {
    assertCollection(collection);
    try {
      const tx = this.db.transaction(collection, mode);
      const finished = done(tx);
      finished.catch(() => {}); // awaited below; avoid an unhandled rejection when body throws first
      const result = await body(tx.objectStore(collection));
      await finished;
      return result;
    } catch (e) {
      throw wrap(e, what);
    }
  }

  get<T extends StoreRecord>(collection: CollectionName, id: string): Promise<T | undefined> {
    return this.run(collection, 'readonly', `reading ${collection}/${id}`, (s) => request(s.get(id)) as Promise<T | undefined>);
  }

  async put<T extends StoreRecord>(collection: CollectionName, record: T): Promise<void> {
    assertRecord(record);
    return this.run(collection, 'readwrite', `saving ${collection}/${record.id}`, (s) => {
      s.put(record);
    });
  }

  async putMany<T extends StoreRecord>(collection: CollectionName, records: T[]): Promise<void> {
    records.forEach(assertRecord);
    if (records.length === 0) return;
    return this.run(collection, 'readwrite', `saving ${records.length} ${collection} records`, (s) => {
      for (const r of records) s.put(r);
    });
  }

  delete(collection: CollectionName, id: string): Promise<void> {
    return this.run(collection, 'readwrite', `deleting ${collection}/${id}`, (s) => {
      s.delete(id);
    });
  }

  async deletePrefix(collection: CollectionName, prefix: string): Promise<number> {
    return this.run(collection, 'readwrite', `deleting ${collection}/${prefix}*`, (s) => {
      const r = range(prefix);
      const n = request(s.count(r)); // queued before the delete, so it counts what is deleted
      if (r) s.delete(r);
      else s.clear();
      return n;
    });
  }

  keys(collection: CollectionName, prefix = ''): Promise<string[]> {
    return this.run(collection, 'readonly', `listing ${collection}`, (s) => request(s.getAllKeys(range(prefix))) as Promise<string[]>);
  }

  list<T extends StoreRecord>(collection: CollectionName, prefix = ''): Promise<T[]> {
    return this.run(collection, 'readonly', `listing ${collection}`, (s) => request(s.getAll(range(prefix))) as Promise<T[]>);
  }

  close(): void {
    this.db.close();
  }
}
