/**
 * The lab's persistent storage: records keyed by `id` in a fixed set of collections. One interface,
 * two implementations (memory, IndexedDB) and a wrapper that falls back to memory when IndexedDB is
 * unavailable or full. Records must be structured-clonable (typed arrays are fine). Last write wins
 * per record.
 */

export const COLLECTIONS = ['traitSets', 'runs', 'rollouts', 'scores', 'activationMeans', 'vectors', 'presets'] as const;
export type CollectionName = (typeof COLLECTIONS)[number];

export interface StoreRecord {
  id: string;
}

export type StorageKind = 'memory' | 'indexeddb';

export interface PersonaStorage {
  /** Where records live now ('memory' after a fallback). */
  readonly kind: StorageKind;
  get<T extends StoreRecord>(collection: CollectionName, id: string): Promise<T | undefined>;
  /** Writes (inserts or replaces) one record. */
  put<T extends StoreRecord>(collection: CollectionName, record: T): Promise<void>;
  /** Writes several records in one transaction. */
  putMany<T extends StoreRecord>(collection: CollectionName, records: T[]): Promise<void>;
  delete(collection: CollectionName, id: string): Promise<void>;
  /** Deletes every record whose id starts with `prefix`; returns how many. */
  deletePrefix(collection: CollectionName, prefix: string): Promise<number>;
  /** Ids in ascending order, optionally only those starting with `prefix`. */
  keys(collection: CollectionName, prefix?: string): Promise<string[]>;
  /** Records in ascending id order, optionally only ids starting with `prefix`. */
  list<T extends StoreRecord>(collection: CollectionName, prefix?: string): Promise<T[]>;
  close(): void;
}

export type StorageErrorCode = 'quota' | 'unavailable' | 'blocked' | 'bad_record' | 'failed';

/** A storage failure the UI can show: `message` says what happened, `hint` what to do. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export function assertCollection(c: string): asserts c is CollectionName {
  if (!(COLLECTIONS as readonly string[]).includes(c)) {
    throw new StorageError('bad_record', `unknown collection "${c}"; expected one of ${COLLECTIONS.join(', ')}`);
  }
}

export function assertRecord(r: unknown): asserts r is StoreRecord {
  if (typeof r !== 'object' || r === null || typeof (r as StoreRecord).id !== 'string' || (r as StoreRecord).id === '') {
    throw new StorageError('bad_record', 'a stored record must be an object with a non-empty string "id"');
  }
}

/** Is this error (DOMException or otherwise) a storage quota error? */
export function isQuotaError(e: unknown): boolean {
  if (e instanceof StorageError) return e.code === 'quota';
  const err = e as { name?: string; code?: number; message?: string } | null;
  if (!err) return false;
  return err.name === 'QuotaExceededError' || err.code === 22 || err.name === 'NS_ERROR_DOM_QUOTA_REACHED' || /quota/i.test(err.message ?? '');
}

/** The upper bound of ids starting with `prefix` (for key ranges and sorted scans). */
export const PREFIX_END = '\uffff';
