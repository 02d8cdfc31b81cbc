/**
 * Keeps the lab's work across reloads: traits the user made, vectors, presets, steering settings,
 * the conversation and the model choice, in a record store (IndexedDB, else memory). Saves are
 * debounced; typed arrays are stored as they are (structured clone).
 */
import { getLab, lab, setLab, type LabState } from './store';

export interface RecordStore {
  get(key: string): Promise<unknown>;
  put(key: string, value: unknown): Promise<void>;
}

const KEY = 'lab-state-v1';

/** The fields that survive a reload. */
const PERSISTED = [
  'modelText', 'hubHost', 'backendPref', 'autoload', 'loadedId',
  'traits', 'selectedTrait', 'vectors', 'extractSettings',
  'alphas', 'active', 'layer', 'positions', 'sampling', 'seed', 'maxNewTokens', 'systemPrompt', 'draft', 'turns', 'sweep',
  'presets', 'tab', 'theme', 'monitorText',
] as const satisfies readonly (keyof LabState)[];

export function memoryStore(): RecordStore {
  const m = new Map<string, unknown>();
  return { get: async (k) => m.get(k), put: async (k, v) => void m.set(k, v) };
}

/** A tiny IndexedDB key-value store; null when IndexedDB is unavailable. */
export async function indexedDbStore(name = 'persona-lab', storeName = 'records'): Promise<RecordStore | null> {
  if (typeof indexedDB === 'undefined') return null;
  const db = await new Promise<IDBDatabase | null>((ok) => {
    try {
      const req = indexedDB.open(name, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(storeName);
      req.onsuccess = () => ok(req.result);
      req.onerror = () => ok(null);
      req.onblocked = () => ok(null);
    } catch {
      ok(null);
    }
  });
  if (!db) return null;
  const run = <T,>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest): Promise<T> =>
    new Promise((ok, fail) => {
      const tx = db.transaction(storeName, mode);
      const req = f(tx.objectStore(storeName));
      tx.oncomplete = () => ok(req.result as T);
      tx.onerror = () => fail(tx.error);
      tx.onabort = () => fail(tx.error);
    });
  return { get: (k) => run('readonly', (s) => s.get(k)), put: async (k, v) => void (await run('readwrite', (s) => s.put(v, k))) };
}

function snapshot(s: LabState): Partial<LabState> {
  const out: Record<string, unknown> = {};
  for (const k of PERSISTED) out[k] = s[k];
  // a reply that was running when the page closed is kept as it is, marked stopped
  out.turns = s.turns.map((t) => (t.status === 'running' ? { ...t, status: 'cancelled' } : t));
  return out as Partial<LabState>;
}

let unsubscribe: (() => void) | null = null;

/** Restores saved state into the store, then saves changes (debounced). Returns what was restored. */
export async function startPersistence(store: RecordStore, delayMs = 400): Promise<Partial<LabState> | null> {
  let saved: Partial<LabState> | null = null;
  try {
    const v = await store.get(KEY);
    if (v && typeof v === 'object') saved = v as Partial<LabState>;
  } catch {
    saved = null;
  }
  if (saved) {
    const known = Object.fromEntries(Object.entries(saved).filter(([k]) => (PERSISTED as readonly string[]).includes(k)));
    setLab(known as Partial<LabState>);
  }
  unsubscribe?.();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let last: Partial<LabState> | null = null;
  unsubscribe = lab.subscribe((s) => {
    const snap = snapshot(s);
    if (last && PERSISTED.every((k) => last![k] === s[k])) return;
    last = { ...snap, turns: s.turns };
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void store.put(KEY, snapshot(getLab())).catch(() => undefined);
    }, delayMs);
  });
  return saved;
}

export function stopPersistence(): void {
  unsubscribe?.();
  unsubscribe = null;
}
