/** Persistent storage for runs, rollouts, scores, activation means, vectors, trait sets and presets. */
export * from './types';
export { MemoryStorage } from './memory';
export { IndexedDbStorage, DB_NAME, DB_VERSION, type IndexedDbOptions } from './indexedDb';
export { FallbackStorage, openStorage, type OpenStorageOptions } from './fallback';
