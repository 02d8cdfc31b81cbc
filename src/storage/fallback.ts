/**
 * Storage that prefers IndexedDB and falls back to memory: when IndexedDB cannot be opened, or a
 * write hits the quota, records go to memory from then on (reads see both, memory first) and
 * `fallbackError` says why, once, through `onFallback`, so the UI can show it.
 */
import { IndexedDbStorage, type IndexedDbOptions } from './indexedDb';
import { compareIds, MemoryStorage } from './memory';
import { isQuotaError, StorageError, type CollectionName, type PersonaStorage, type StorageKind, type StoreRecord } from './types';

export interface OpenStorageOptions extends IndexedDbOptions {
  /** Called once when records start going to memory instead of IndexedDB. */
  onFallback?: (error: StorageError) => void;
}

export class FallbackStorage implements PersonaStorage {
  private readonly memory = new MemoryStorage();
  private primary: IndexedDbStorage | null;
  /** Why records are (also) kept in memory; null while everything goes to IndexedDB. */
  fallbackError: StorageError | null = null;

  constructor(
    primary: IndexedDbStorage | null,
    error: StorageError | null,
    private readonly onFallback?: (error: StorageError) => void,
  ) {
    this.primary = primary;
    if (error) this.fallBack(error);
  }

  get kind(): StorageKind {
    return this.fallbackError ? 'memory' : 'indexeddb';
  }

  private fallBack(error: StorageError): void {
    if (this.fallbackError) return;
    this.fallbackError = error;
    this.onFallback?.(error);
  }

  /** Runs a write on IndexedDB; on a quota error (or when already fallen back) writes to memory. */
  private async write(op: (s: PersonaStorage) => Promise<void>): Promise<void> {
    if (this.primary && !this.fallbackError) {
      try {
        return await op(this.primary);
      } catch (e) {
        if (!isQuotaError(e)) throw e;
        this.fallBack(
          e instanceof StorageError ? e : new StorageError('quota', 'the browser storage quota is full', 'Results are kept in memory until the tab closes.'),
        );
      }
    }
    await op(this.memory);
  }

  async get<T extends StoreRecord>(collection: CollectionName, id: string): Promise<T | undefined> {
    const m = await this.memory.get<T>(collection, id);
    if (m !== undefined || !this.primary) return m;
    return this.primary.get<T>(collection, id);
  }

  put<T extends StoreRecord>(collection: CollectionName, record: T): Promise<void> {
    return this.write((s) => s.put(collection, record));
  }

  putMany<T extends StoreRecord>(collection: CollectionName, records: T[]): Promise<void> {
    return this.write((s) => s.putMany(collection, records));
  }

  async delete(collection: CollectionName, id: string): Promise<void> {
    await this.memory.delete(collection, id);
    await this.primary?.delete(collection, id);
  }

  async deletePrefix(collection: CollectionName, prefix: string): Promise<number> {
    const ids = await this.keys(collection, prefix);
    await this.memory.deletePrefix(collection, prefix);
    await this.primary?.deletePrefix(collection, prefix);
    return ids.length;
  }

  async keys(collection: CollectionName, prefix = ''): Promise<string[]> {
    const a = await this.memory.keys(collection, prefix);
    const b = this.primary ? await this.primary.keys(collection, prefix) : [];
    return [...new Set([...a, ...b])].sort(compareIds);
  }

  async list<T extends StoreRecord>(collection: CollectionName, prefix = ''): Promise<T[]> {
    const mem = await this.memory.list<T>(collection, prefix);
    if (!this.primary) return mem;
    const byId = new Map((await this.primary.list<T>(collection, prefix)).map((r) => [r.id, r]));
    for (const r of mem) byId.set(r.id, r);
    return [...byId.values()].sort((x, y) => compareIds(x.id, y.id));
  }

  close(): void {
    this.primary?.close();
  }
}

/** Opens the lab's storage: IndexedDB when it works, memory otherwise (see FallbackStorage). */
export async function openStorage(options: OpenStorageOptions = {}): Promise<FallbackStorage> {
  try {
    return new FallbackStorage(await IndexedDbStorage.open(options), null, options.onFallback);
  } catch (e) {
    const err = e instanceof StorageError ? e : new StorageError('unavailable', `IndexedDB could not be opened: ${(e as Error)?.message ?? e}`);
    return new FallbackStorage(null, err, options.onFallback);
  }
}
