/**
 * Keeps the lab's work across reloads. Records (the user's traits, vectors, presets) go to the
 * record store (src/storage: IndexedDB with a memory fallback) under ids prefixed "lab:"; settings,
 * the conversation and the UI state go to localStorage as one small JSON document. Saves are
 * debounced and diffed by reference, so a slider move rewrites only the settings document.
 */
import type { PersonaStorage } from '../storage';
import { getLab, lab, setLab, type LabState } from './store';
import type { Preset, TraitEntry, VectorEntry } from './types';
import { COUNT_LIMITS } from '../persona/limits';
import { isObj } from '../share/schema';
import { isTurn, settingProblem } from './settingsSchema';
import { withExtractDefaults } from './vectorsSlice';

export const SETTINGS_KEY = 'persona-lab:state-v1';
export const LAB_RECORD_PREFIX = 'lab:';
const PREFIX = LAB_RECORD_PREFIX;

/** Small fields kept in localStorage. */
export const SETTINGS = [
  'modelText',
  'hubHost',
  'backendPref',
  'variantChoice',
  'autoload',
  'loadedId',
  'selectedTrait',
  'extractSettings',
  'alphas',
  'active',
  'layer',
  'positions',
  'sampling',
  'seed',
  'maxNewTokens',
  'systemPrompt',
  'draft',
  'turns',
  'sweep',
  'tab',
  'theme',
  'monitorText',
] as const satisfies readonly (keyof LabState)[];

export interface KeyValue {
  getItem(k: string): string | null;
  setItem(k: string, v: string): void;
}

interface TraitRecord {
  id: string;
  entry: TraitEntry;
}
interface VectorRecord {
  id: string;
  vector: VectorEntry;
}
interface PresetRecord {
  id: string;
  preset: Preset;
}

export function settingsOf(s: LabState): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of SETTINGS) out[k] = s[k];
  // a reply still running is saved as running: boot() generates it again once the model is back
  return out;
}

/** Restores what was saved; returns whether anything was. */
export async function restore(storage: PersonaStorage | null, kv: KeyValue | null): Promise<boolean> {
  let found = false;
  const patch: Partial<LabState> = {};
  try {
    const raw = kv?.getItem(SETTINGS_KEY);
    if (raw) {
      const saved: unknown = JSON.parse(raw);
      // a field that fails its check (damaged or hand-edited) is dropped; the rest is restored
      if (isObj(saved)) for (const k of SETTINGS) if (Object.hasOwn(saved, k) && !settingProblem(k, saved[k])) (patch as Record<string, unknown>)[k] = saved[k];
      // a conversation with one damaged turn keeps its other turns
      if (isObj(saved) && !patch.turns && Array.isArray(saved.turns))
        patch.turns = saved.turns.filter(isTurn).slice(-COUNT_LIMITS.chatTurns) as LabState['turns'];
      if (patch.extractSettings) patch.extractSettings = withExtractDefaults(patch.extractSettings);
      found = true;
    }
  } catch {
    // a damaged settings document is ignored (the defaults stay)
  }
  if (storage) {
    try {
      const [traits, vectors, presets] = await Promise.all([
        storage.list<TraitRecord>('traitSets', PREFIX),
        storage.list<VectorRecord>('vectors', PREFIX),
        storage.list<PresetRecord>('presets', PREFIX),
      ]);
      if (traits.length) {
        const mine = traits.map((r) => r.entry).filter((e) => e?.set?.name);
        patch.traits = [...mine, ...getLab().traits.filter((t) => !mine.some((m) => m.set.name === t.set.name))];
      }
      if (vectors.length) patch.vectors = Object.fromEntries(vectors.filter((r) => r.vector?.data).map((r) => [r.vector.trait, r.vector]));
      if (presets.length) patch.presets = presets.map((r) => r.preset).sort((a, b) => b.createdAt - a.createdAt);
      found ||= traits.length + vectors.length + presets.length > 0;
    } catch {
      // storage unreadable: start fresh
    }
  }
  setLab(patch);
  return found;
}

/** Writes the store's own records (user traits, vectors, presets) as they stand, e.g. after an import. */
export async function writeLabRecords(storage: PersonaStorage, s: LabState): Promise<void> {
  await storage.putMany(
    'traitSets',
    s.traits.filter((t) => t.origin === 'user').map((t) => ({ id: PREFIX + t.set.name, entry: t })),
  );
  await storage.putMany(
    'vectors',
    Object.values(s.vectors).map((v) => ({ id: PREFIX + v.trait, vector: v })),
  );
  await storage.putMany(
    'presets',
    s.presets.map((p) => ({ id: PREFIX + p.name, preset: p })),
  );
}

let unsubscribe: (() => void) | null = null;

/** Saves changes from now on (debounced). */
export function persistChanges(storage: PersonaStorage | null, kv: KeyValue | null, delayMs = 300): void {
  unsubscribe?.();
  let prev = getLab();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let pendingSettings = false;
  const flushSettings = () => {
    timer = null;
    if (!pendingSettings) return;
    pendingSettings = false;
    try {
      kv?.setItem(SETTINGS_KEY, JSON.stringify(settingsOf(getLab())));
    } catch {
      // quota: settings are small; nothing else to do
    }
  };
  const onHide = () => {
    if (timer) clearTimeout(timer);
    flushSettings();
  };
  if (typeof window !== 'undefined') window.addEventListener('pagehide', onHide);
  const unsub = lab.subscribe((s) => {
    const p = prev;
    prev = s;
    if (SETTINGS.some((k) => s[k] !== p[k])) {
      pendingSettings = true;
      if (!timer) timer = setTimeout(flushSettings, delayMs);
    }
    if (!storage) return;
    if (s.traits !== p.traits) void syncTraits(storage, p.traits, s.traits);
    if (s.vectors !== p.vectors) void syncMap(storage, 'vectors', p.vectors, s.vectors, (v) => ({ id: PREFIX + v.trait, vector: v }));
    if (s.presets !== p.presets) void syncList(storage, p.presets, s.presets);
  });
  unsubscribe = () => {
    unsub();
    if (typeof window !== 'undefined') window.removeEventListener('pagehide', onHide);
  };
}

async function syncTraits(storage: PersonaStorage, before: TraitEntry[], after: TraitEntry[]): Promise<void> {
  const mine = (l: TraitEntry[]) => new Map(l.filter((t) => t.origin === 'user').map((t) => [t.set.name, t]));
  const a = mine(before);
  const b = mine(after);
  await Promise.all([
    ...[...b].filter(([k, v]) => a.get(k) !== v).map(([k, v]) => storage.put('traitSets', { id: PREFIX + k, entry: v })),
    ...[...a.keys()].filter((k) => !b.has(k)).map((k) => storage.delete('traitSets', PREFIX + k)),
  ]).catch(() => undefined);
}

async function syncMap(
  storage: PersonaStorage,
  col: 'vectors',
  before: Record<string, VectorEntry>,
  after: Record<string, VectorEntry>,
  rec: (v: VectorEntry) => VectorRecord,
): Promise<void> {
  await Promise.all([
    ...Object.entries(after)
      .filter(([k, v]) => before[k] !== v)
      .map(([, v]) => storage.put(col, rec(v))),
    ...Object.keys(before)
      .filter((k) => !(k in after))
      .map((k) => storage.delete(col, PREFIX + k)),
  ]).catch(() => undefined);
}

async function syncList(storage: PersonaStorage, before: Preset[], after: Preset[]): Promise<void> {
  const a = new Map(before.map((p) => [p.name, p]));
  const b = new Map(after.map((p) => [p.name, p]));
  await Promise.all([
    ...[...b].filter(([k, v]) => a.get(k) !== v).map(([k, v]) => storage.put('presets', { id: PREFIX + k, preset: v })),
    ...[...a.keys()].filter((k) => !b.has(k)).map((k) => storage.delete('presets', PREFIX + k)),
  ]).catch(() => undefined);
}

export function stopPersistence(): void {
  unsubscribe?.();
  unsubscribe = null;
}
