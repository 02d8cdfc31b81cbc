/** The lab's record store (src/storage): IndexedDB with a memory fallback; tests install their own. */
import { MemoryStorage, openStorage, type PersonaStorage } from '../storage';
import { setLab } from './store';

let current: Promise<PersonaStorage> | null = null;

export function getStorage(): Promise<PersonaStorage> {
  if (!current) {
    current =
      typeof indexedDB === 'undefined'
        ? Promise.resolve(new MemoryStorage())
        : openStorage({ onFallback: (e) => setLab({ storageNote: { message: e.message, hint: e.hint ?? 'Your work is kept until the tab closes.' } }) });
  }
  return current;
}

export function setStorage(s: PersonaStorage | null): void {
  current = s ? Promise.resolve(s) : null;
}
