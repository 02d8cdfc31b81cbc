/**
 * The whole lab as one file (issue 6, "Persistence"): trait sets, vectors, presets, the settings
 * document (sliders, layer, sampling, conversation, UI) and every pipeline record in storage (runs,
 * rollouts, scores, activation means). JSON, with typed arrays as {"$typed": "Float32Array",
 * "base64": …} (base64url of the little-endian bytes), so vectors round-trip bit for bit.
 *
 * Import refuses a file over MAX_LAB_FILE_BYTES before reading it, then validates the whole file
 * before anything is written (an error names the bad field; every text field has the limit of
 * src/persona/limits.ts). Nothing already saved is removed or replaced: pipeline records with the
 * same id are replaced, but a trait, vector or preset that meets a saved one of the same name with
 * other content is kept beside it under a new name (archiveMerge.ts). Objects are rebuilt without
 * a prototype, so a key such as "__proto__" is data, not a prototype. The file never holds API
 * keys: the lab keeps none in its state or storage, and fields named like secrets are dropped on
 * export anyway.
 */
import { fileTooLarge, MAX_LAB_FILE_BYTES, TEXT_LIMITS } from '../persona/limits';
import { nameRecord } from '../persona/nameRecord';
import { READOUTS } from '../persona/personaVector';
import { validateTraitSet } from '../persona/traitSet';
import { fromBase64Url, toBase64Url } from '../share/bytes';
import { checkPresetFields, presetHeader } from '../share/schema';
import { COLLECTIONS, type CollectionName, type PersonaStorage, type StoreRecord } from '../storage';
import { mergeArchive } from './archiveMerge';
import { clampPresetAlphas } from './alphaClamp';
import { withoutUnapprovedHosts } from './actions/hostConsent';
import { SETTINGS, settingsOf, writeLabRecords, LAB_RECORD_PREFIX } from './persist';
import { getStorage } from './storage';
import { getLab, setLab, type LabState } from './store';
import type { Preset, TraitEntry, VectorEntry } from './types';
import { isObj } from '../share/schema';
import { isInt, READOUT_LIST, settingProblem } from './settingsSchema';
import { withExtractDefaults, type ExtractSettings } from './vectorsSlice';

export const LAB_ARCHIVE_FORMAT = 'persona-lab-archive';
export const LAB_ARCHIVE_VERSION = 1;

/**
 * A lab file over MAX_LAB_FILE_BYTES is refused before it is read or parsed: the lab's own exports
 * are far smaller (vectors are a few MB even for large models), and a file of hundreds of MB
 * would stall the tab while parsing and again on every reload.
 */
export function labFileSizeProblem(bytes: number): { error: string; hint: string } | null {
  if (bytes <= MAX_LAB_FILE_BYTES) return null;
  return {
    error: `${fileTooLarge(bytes, MAX_LAB_FILE_BYTES, 'a lab file')}, so it was not read`,
    hint: 'Choose a file made with "Export lab" (they are far smaller); nothing in the lab was changed.',
  };
}

export interface LabArchive {
  format: typeof LAB_ARCHIVE_FORMAT;
  version: number;
  createdAt: number;
  /** The settings document (persist.ts SETTINGS): sliders, layer, sampling, conversation, UI. */
  settings: Partial<Record<(typeof SETTINGS)[number], unknown>>;
  /** The user's own trait sets (built-in and demo traits come with the lab). */
  traits: TraitEntry[];
  vectors: VectorEntry[];
  presets: Preset[];
  /** Pipeline records per storage collection (the store's own "lab:" records are rebuilt from the above). */
  records: Partial<Record<CollectionName, StoreRecord[]>>;
}

export type ArchiveResult<T> = { ok: true; value: T } | { ok: false; error: string; hint: string };

const SECRET_KEY = /^(api[-_]?key|authorization|auth[-_]?header|bearer|password|secret|access[-_]?token)$/i;
const TYPED = { Float32Array, Float64Array, Int32Array, Uint32Array, Int16Array, Uint16Array, Int8Array, Uint8Array } as const;
type TypedName = keyof typeof TYPED;

/** Plain JSON value: typed arrays tagged and base64-encoded, secret-looking fields dropped. */
function pack(v: unknown): unknown {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const name = v.constructor.name as TypedName;
    if (!(name in TYPED)) throw new Error(`cannot export a ${name}`);
    return { $typed: name, base64: toBase64Url(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) };
  }
  if (Array.isArray(v)) return v.map(pack);
  if (v && typeof v === 'object') {
    const out = nameRecord<unknown>();
    for (const [k, x] of Object.entries(v)) if (!SECRET_KEY.test(k) && x !== undefined) out[k] = pack(x);
    return out;
  }
  return v;
}

class Bad extends Error {}

function unpack(v: unknown, path: string): unknown {
  if (Array.isArray(v)) return v.map((x, i) => unpack(x, `${path}[${i}]`));
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('$typed' in o) {
      const name = o.$typed as TypedName;
      if (typeof name !== 'string' || !(name in TYPED)) throw new Bad(`${path}: unknown array type ${JSON.stringify(o.$typed)}`);
      const bytes = typeof o.base64 === 'string' ? fromBase64Url(o.base64) : null;
      const T = TYPED[name];
      if (!bytes || bytes.length % T.BYTES_PER_ELEMENT) throw new Bad(`${path}: the ${name} data is damaged (bad base64 or length)`);
      const buf = new ArrayBuffer(bytes.byteLength);
      new Uint8Array(buf).set(bytes);
      return new (T as unknown as new (b: ArrayBuffer) => ArrayBufferView)(buf);
    }
    const out = nameRecord<unknown>();
    for (const [k, x] of Object.entries(o)) out[k] = unpack(x, path ? `${path}.${k}` : k);
    return out;
  }
  return v;
}

/** The lab's state and storage as one archive object. */
export async function collectLab(state: LabState, storage: PersonaStorage | null): Promise<LabArchive> {
  const records: Partial<Record<CollectionName, StoreRecord[]>> = {};
  if (storage) {
    for (const c of COLLECTIONS) {
      const list = (await storage.list<StoreRecord>(c)).filter((r) => !r.id.startsWith(LAB_RECORD_PREFIX));
      if (list.length) records[c] = list;
    }
  }
  return {
    format: LAB_ARCHIVE_FORMAT,
    version: LAB_ARCHIVE_VERSION,
    createdAt: Date.now(),
    settings: settingsOf(state),
    traits: state.traits.filter((t) => t.origin === 'user'),
    vectors: Object.values(state.vectors),
    presets: state.presets,
    records,
  };
}

export function archiveToJson(a: LabArchive): string {
  return JSON.stringify(pack({ ...a, presets: a.presets.map((p) => ({ ...presetHeader(p), traits: p.traits })) }));
}

/** The whole lab as JSON text. */
export async function exportLab(storage: PersonaStorage | null, state: LabState = getLab()): Promise<string> {
  return archiveToJson(await collectLab(state, storage));
}

const isNumOrNull = (x: unknown) => x === null || (typeof x === 'number' && Number.isFinite(x));
const isReadout = (x: unknown) => (READOUTS as readonly unknown[]).includes(x);
const STAT_FIELDS = ['row', 'layer', 'norm', 'gap', 'cohensD', 'auroc'] as const;

function checkVector(x: unknown, path: string): VectorEntry {
  if (!isObj(x)) throw new Bad(`${path} must be an object`);
  for (const [k, max] of [
    ['trait', TEXT_LIMITS.traitName],
    ['modelId', TEXT_LIMITS.modelId],
  ] as const) {
    const v = x[k];
    if (typeof v !== 'string' || !v.trim() || v.length > max) throw new Bad(`${path}.${k} must be text of 1 to ${max} characters`);
  }
  if (!isInt(x.rows, 1)) throw new Bad(`${path}.rows must be a positive integer`);
  if (!isInt(x.hidden, 1)) throw new Bad(`${path}.hidden must be a positive integer`);
  const rows = x.rows as number;
  const hidden = x.hidden as number;
  if (!(x.data instanceof Float32Array)) throw new Bad(`${path}.data must be a Float32Array`);
  if (x.data.length !== rows * hidden) throw new Bad(`${path}.data has ${x.data.length} values; rows × hidden is ${rows * hidden}`);
  for (let i = 0; i < x.data.length; i++) if (!Number.isFinite(x.data[i])) throw new Bad(`${path}.data has a non-finite value at ${i}`);
  if (!isInt(x.layer) || (x.layer as number) > rows - 2) throw new Bad(`${path}.layer must be a block index below ${rows - 1}`);
  if (x.presentRows !== undefined && !(Array.isArray(x.presentRows) && x.presentRows.every((r) => isInt(r) && r < rows)))
    throw new Bad(`${path}.presentRows must be a list of row indices below ${rows}`);
  if (x.stats !== null && !Array.isArray(x.stats)) throw new Bad(`${path}.stats must be a list or null`);
  // the statistics chart reads these as numbers (NaN, for an all-zero row, comes back from JSON as null)
  (x.stats ?? []).forEach((st: unknown, i: number) => {
    if (!isObj(st) || !STAT_FIELDS.every((k) => isNumOrNull(st[k]))) throw new Bad(`${path}.stats[${i}] must be {${STAT_FIELDS.join(', ')}} numbers`);
  });
  if (x.typicalNorms !== null && !(Array.isArray(x.typicalNorms) && x.typicalNorms.length === rows && x.typicalNorms.every(isNumOrNull)))
    throw new Bad(`${path}.typicalNorms must be ${rows} numbers or null`);
  if (!isObj(x.samples) || typeof x.samples.pos !== 'number' || typeof x.samples.neg !== 'number') throw new Bad(`${path}.samples must be {pos, neg} numbers`);
  if (x.note !== undefined && (typeof x.note !== 'string' || x.note.length > TEXT_LIMITS.note))
    throw new Bad(`${path}.note must be text of at most ${TEXT_LIMITS.note} characters`);
  if (x.readout !== undefined && !isReadout(x.readout))
    throw new Bad(`${path}.readout is ${JSON.stringify(x.readout)}; it must be one of ${READOUT_LIST} (or absent: response_avg)`);
  if (typeof x.createdAt !== 'number') throw new Bad(`${path}.createdAt must be a number`);
  if (x.sweep !== undefined) checkSweep(x.sweep, `${path}.sweep`);
  return x as unknown as VectorEntry;
}

/** The steering sweep a vector carries (persona/pipeline/labSweep.ts): numbers where the table shows numbers. */
function checkSweep(x: unknown, path: string): void {
  if (!isObj(x) || !Array.isArray(x.cells) || x.cells.length > 1000)
    throw new Bad(`${path} must be {cells, suggested, note, controlsChecked} with at most 1000 cells`);
  const cell = (c: unknown, at: string) => {
    if (
      !isObj(c) ||
      !(c.layer === null || isInt(c.layer)) ||
      typeof c.alpha !== 'number' ||
      !Number.isFinite(c.alpha) ||
      !isNumOrNull(c.trait) ||
      !isNumOrNull(c.coherence) ||
      !isInt(c.n)
    ) {
      throw new Bad(`${at} must be a sweep cell {layer, alpha, trait, coherence, n}`);
    }
    if (c.rho !== undefined && !(typeof c.rho === 'number' && Number.isFinite(c.rho))) throw new Bad(`${at}.rho must be a number (or absent)`);
  };
  x.cells.forEach((c, i) => cell(c, `${path}.cells[${i}]`));
  if (x.suggested !== null) cell(x.suggested, `${path}.suggested`);
  if (x.note !== null && (typeof x.note !== 'string' || x.note.length > TEXT_LIMITS.note))
    throw new Bad(`${path}.note must be text of at most ${TEXT_LIMITS.note} characters or null`);
  if (!isInt(x.controlsChecked)) throw new Bad(`${path}.controlsChecked must be a whole number`);
  if (x.controls === undefined) return;
  if (!Array.isArray(x.controls) || x.controls.length > 100) throw new Bad(`${path}.controls must be a list of at most 100 checked cells (or absent)`);
  x.controls.forEach((c, i) => {
    const at = `${path}.controls[${i}]`;
    if (!isObj(c) || typeof c.specific !== 'boolean' || !Array.isArray(c.shuffled) || c.shuffled.length > 100)
      throw new Bad(`${at} must be {cell, shuffled, specific} with at most 100 controls`);
    cell(c.cell, `${at}.cell`);
    c.shuffled.forEach((k, j) => {
      if (!isObj(k) || !isNumOrNull(k.trait) || !isNumOrNull(k.coherence) || typeof k.cos !== 'number' || !Number.isFinite(k.cos))
        throw new Bad(`${at}.shuffled[${j}] must be {trait, coherence, cos} numbers`);
    });
  });
}

const FIX_HINT = 'Choose a file made with "Export lab"; nothing in the lab was changed.';

/** Parses and validates an archive; never throws. The error names the field that is wrong. */
export function parseLabArchive(text: string): ArchiveResult<LabArchive> {
  const fail = (error: string, hint = FIX_HINT): ArchiveResult<LabArchive> => ({ ok: false, error, hint });
  // a JavaScript string of n characters is at least n bytes of UTF-8
  const size = labFileSizeProblem(text.length);
  if (size) return fail(size.error, size.hint);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return fail(
      `the file is not valid JSON, perhaps truncated (${(e as Error).message})`,
      'Export the lab again and use the whole file; nothing in the lab was changed.',
    );
  }
  try {
    if (!isObj(raw)) throw new Bad('the file must hold a JSON object');
    if (raw.format !== LAB_ARCHIVE_FORMAT) throw new Bad(`"format" is ${JSON.stringify(raw.format)}; a lab archive says "${LAB_ARCHIVE_FORMAT}"`);
    if (!isInt(raw.version, 1)) throw new Bad('"version" must be a positive integer');
    if ((raw.version as number) > LAB_ARCHIVE_VERSION) {
      return fail(
        `"version" is ${raw.version}; this lab reads version ${LAB_ARCHIVE_VERSION}`,
        'The file comes from a newer Persona Lab; open it there. Nothing in the lab was changed.',
      );
    }
    for (const k of ['settings', 'traits', 'vectors', 'presets', 'records'] as const) if (!(k in raw)) throw new Bad(`"${k}" is missing`);
    const a = unpack(raw, '') as Record<string, unknown>;
    if (!isObj(a.settings)) throw new Bad('"settings" must be an object');
    const settings: LabArchive['settings'] = {};
    for (const k of SETTINGS) {
      if (!(k in a.settings)) continue;
      const problem = settingProblem(k, a.settings[k]);
      if (problem) throw new Bad(problem);
      settings[k] = a.settings[k];
    }
    if (settings.extractSettings) settings.extractSettings = withExtractDefaults(settings.extractSettings as Partial<ExtractSettings>);
    if (!Array.isArray(a.traits)) throw new Bad('"traits" must be a list');
    const traits: TraitEntry[] = a.traits.map((t, i) => {
      if (!isObj(t)) throw new Bad(`traits[${i}] must be an object`);
      const r = validateTraitSet(t.set);
      if (!r.ok) throw new Bad(`traits[${i}].set${r.errors[0].path ? '.' + r.errors[0].path : ''}: ${r.errors[0].message}`);
      return { set: r.value, origin: 'user' as const };
    });
    if (!Array.isArray(a.vectors)) throw new Bad('"vectors" must be a list');
    const vectors = a.vectors.map((v, i) => checkVector(v, `vectors[${i}]`));
    if (!Array.isArray(a.presets)) throw new Bad('"presets" must be a list');
    const presets = a.presets.map((p, i) => {
      const r = checkPresetFields(p, (t, k) => {
        if (!(t.vector instanceof Float32Array)) throw new Error(`trait ${k + 1}: "vector" must be a Float32Array`);
        return t.vector;
      });
      if (!r.ok) throw new Bad(`presets[${i}]: ${r.error}`);
      return r.value;
    });
    if (!isObj(a.records)) throw new Bad('"records" must be an object');
    const records: LabArchive['records'] = {};
    for (const [c, list] of Object.entries(a.records)) {
      if (!(COLLECTIONS as readonly string[]).includes(c)) throw new Bad(`records.${c} is not a storage collection (${COLLECTIONS.join(', ')})`);
      if (!Array.isArray(list)) throw new Bad(`records.${c} must be a list`);
      list.forEach((r, i) => {
        if (!isObj(r) || typeof r.id !== 'string' || !r.id) throw new Bad(`records.${c}[${i}].id must be a non-empty string`);
      });
      records[c as CollectionName] = list as StoreRecord[];
    }
    return {
      ok: true,
      value: {
        format: LAB_ARCHIVE_FORMAT,
        version: raw.version as number,
        createdAt: typeof a.createdAt === 'number' ? a.createdAt : 0,
        settings,
        traits,
        vectors,
        presets,
        records,
      },
    };
  } catch (e) {
    return fail(e instanceof Bad ? e.message : `the file could not be read: ${(e as Error)?.message ?? e}`);
  }
}

export interface ImportCounts {
  traits: number;
  vectors: number;
  presets: number;
  records: number;
  /** Items kept beside a saved one of the same name: 'preset "p" as "p (from file)"', '"optimistic" as …'. */
  renamed: string[];
}

/**
 * Restores an archive into the lab: pipeline records into storage, then traits, vectors, presets
 * and settings into the store (and their "lab:" records). Nothing saved is removed or replaced:
 * same-named items with other content are kept under new names (archiveMerge.ts). α values pass
 * the store's clamp like any other.
 */
export async function applyLabArchive(a: LabArchive, storage: PersonaStorage | null): Promise<ImportCounts> {
  let records = 0;
  if (storage) {
    for (const [c, list] of Object.entries(a.records) as [CollectionName, StoreRecord[]][]) {
      await storage.putMany(c, list);
      records += list.length;
    }
  }
  const clamped = a.presets.map(clampPresetAlphas);
  const presets = clamped.map((c) => c.preset);
  const notes = clamped.flatMap((c) => c.notes);
  let renamed: string[] = [];
  // a host the file names is used only once the user allows it (actions/hostConsent.ts)
  const settings = withoutUnapprovedHosts(a.settings as Partial<LabState>);
  setLab((s) => {
    const m = mergeArchive(s, { settings, traits: a.traits, vectors: a.vectors, presets });
    renamed = m.renamed;
    return { ...m.patch, ...(notes.length ? { alphaNote: notes.join('; ') } : {}) };
  });
  if (storage) await writeLabRecords(storage, getLab());
  return { traits: a.traits.length, vectors: a.vectors.length, presets: a.presets.length, records, renamed };
}

/** Parses, validates and restores; a bad file changes nothing. */
export async function importLab(text: string, storage: PersonaStorage | null): Promise<ArchiveResult<ImportCounts>> {
  const r = parseLabArchive(text);
  if (!r.ok) return r;
  try {
    return { ok: true, value: await applyLabArchive(r.value, storage) };
  } catch (e) {
    return { ok: false, error: `the archive could not be saved: ${(e as Error)?.message ?? e}`, hint: 'Free some browser storage and import again.' };
  }
}

/** "Export lab": the archive of the running lab (its storage, IndexedDB or memory). */
export async function exportCurrentLab(): Promise<string> {
  return exportLab(await getStorage().catch(() => null));
}

/** "Import lab": validates, then restores into the running lab. */
export async function importIntoCurrentLab(text: string): Promise<ArchiveResult<ImportCounts>> {
  return importLab(text, await getStorage().catch(() => null));
}
