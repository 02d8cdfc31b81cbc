/** In-memory storage: the same semantics as IndexedDB (records are copied in and out). */
import { assertCollection, assertRecord, COLLECTIONS, type CollectionName, type PersonaStorage, type StoreRecord } from './types';

export class MemoryStorage implements PersonaStorage {
  readonly kind = 'memory' as const;
  private readonly data = new Map<CollectionName, Map<string, StoreRecord>>(COLLECTIONS.map((c) => [c, new Map()]));

  private col(c: CollectionName): Map<string, StoreRecord> {
    assertCollection(c);
    return this.data.get(c)!;
  }

  async get<T extends StoreRecord>(collection: CollectionName, id: string): Promise<T | undefined> {
    const r = this.col(collection).get(id);
    return r === undefined ? undefined : (structuredClone(r) as T);
  }

  async put<T extends StoreRecord>(collection: CollectionName, record: T): Promise<void> {
    assertRecord(record);
    this.col(collection).set(record.id, structuredClone(record));
  }

  async putMany<T extends StoreRecord>(collection: CollectionName, records: T[]): Promise<void> {
    records.forEach(assertRecord);
    const col = this.col(collection);
    for (const r of records) col.set(r.id, structuredClone(r));
  }

  async delete(collection: CollectionName, id: string): Promise<void> {
    this.col(collection).delete(id);
  }

  async deletePrefix(collection: CollectionName, prefix: string): Promise<number> {
    const col = this.col(collection);
    let n = 0;
    for (const id of [...col.keys()]) if (id.startsWith(prefix)) n += col.delete(id) ? 1 : 0;
    return n;
  }

  async keys(collection: CollectionName, prefix = ''): Promise<string[]> {
    return [...this.col(collection).keys()].filter((k) => k.startsWith(prefix)).sort(compareIds);
  }

  async list<T extends StoreRecord>(collection: CollectionName, prefix = ''): Promise<T[]> {
    const col = this.col(collection);
    return (await this.keys(collection, prefix)).map((k) => structuredClone(col.get(k)!) as T);
  }

  close(): void {}
}

/** IndexedDB's order for string keys (UTF-16 code units), so both stores list alike. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
