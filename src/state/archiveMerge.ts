/**
 * How a lab file's traits, vectors and presets join the lab's own (issue 20: imports never
 * overwrite silently). A file's item whose name meets a saved item of the user's:
 *  - with the same content, is the saved item: it is not written again;
 *  - with other content, is kept beside it as "<name> (from file)" (then "… (from file) 2", …).
 * A trait set and its vector share a name, so they move together; the file's sliders (α), active
 * traits and selected trait follow the new names. Built-in and demo traits are not saved work: a
 * file's trait of the same name shadows them as before.
 */
import { TEXT_LIMITS } from '../persona/limits';
import { nameRecord, ownValue, type NameRecord } from '../persona/nameRecord';
import { exportTraitSet } from '../persona/traitSet';
import { presetsToJson } from '../share';
import { importedName, sameVector } from './importNames';
import type { LabState } from './store';
import type { Preset, TraitEntry, VectorEntry } from './types';

export interface ArchiveItems {
  settings: Partial<LabState>;
  traits: TraitEntry[];
  vectors: VectorEntry[];
  presets: Preset[];
}

export interface MergedArchive {
  patch: Partial<LabState>;
  /** "optimistic" as "optimistic (from file)", one per renamed item. */
  renamed: string[];
}

const SOURCE = 'file';

function samePreset(a: Preset, b: Preset): boolean {
  return presetsToJson([{ ...a, createdAt: 0 }]) === presetsToJson([{ ...b, createdAt: 0 }]);
}

/**
 * Presets from a file or lab file added to the saved ones: the same preset again is not added; one
 * whose name is taken by a preset with other content is added as "<name> (from <source>)".
 */
export function mergePresets(saved: Preset[], incoming: Preset[], source: string): { presets: Preset[]; renamed: string[] } {
  const byName = new Map(saved.map((p) => [p.name, p]));
  const names = new Set<string>();
  const added: Preset[] = [];
  const renamed: string[] = [];
  for (const p of incoming) {
    const { name, same } = importedName(p.name, source, TEXT_LIMITS.presetName, (c) => {
      if (names.has(c)) return 'taken';
      const q = byName.get(c);
      return !q ? 'free' : samePreset(q, { ...p, name: c }) ? 'same' : 'taken';
    });
    names.add(name);
    if (name !== p.name) renamed.push(`preset "${p.name}" as "${name}"`);
    if (!same) added.push({ ...p, name });
  }
  return { presets: [...added, ...saved], renamed };
}

/** The state patch that adds an archive's items to `s` without replacing any saved item. */
export function mergeArchive(s: LabState, a: ArchiveItems): MergedArchive {
  const savedTraits = new Map(s.traits.filter((t) => t.origin === 'user').map((t) => [t.set.name, t]));
  const fileTraits = new Map(a.traits.map((t) => [t.set.name, t]));
  const fileVectors = new Map(a.vectors.map((v) => [v.trait, v]));
  const fileNames = new Set([...fileTraits.keys(), ...fileVectors.keys()]);
  const rename = new Map<string, string>();
  const skipTrait = new Set<string>();
  const skipVector = new Set<string>();
  const taken = new Set<string>();
  const renamed: string[] = [];
  for (const n of fileNames) {
    const ft = fileTraits.get(n);
    const fv = fileVectors.get(n);
    const { name } = importedName(n, SOURCE, TEXT_LIMITS.traitName, (c) => {
      if (taken.has(c) || (c !== n && fileNames.has(c))) return 'taken';
      const st = savedTraits.get(c);
      const sv = ownValue(s.vectors, c);
      // under its own name an item meets only its own kind; a new name must not land on an unrelated saved item
      const traitClash = st && (ft ? exportTraitSet(st.set) !== exportTraitSet({ ...ft.set, name: c }) : c !== n);
      const vectorClash = sv && (fv ? !sameVector(sv, fv) : c !== n);
      if (traitClash || vectorClash) return 'taken';
      return st || sv ? 'same' : 'free';
    });
    taken.add(name);
    if (name !== n) {
      rename.set(n, name);
      renamed.push(`"${n}" as "${name}"`);
    }
    if (ft && savedTraits.has(name)) skipTrait.add(n);
    if (fv && ownValue(s.vectors, name)) skipVector.add(n);
  }
  const to = (n: string) => rename.get(n) ?? n;
  const traits = a.traits.filter((t) => !skipTrait.has(t.set.name)).map((t) => ({ ...t, set: { ...t.set, name: to(t.set.name) } }));
  const vectors: NameRecord<VectorEntry> = nameRecord(s.vectors);
  for (const v of a.vectors) if (!skipVector.has(v.trait)) vectors[to(v.trait)] = { ...v, trait: to(v.trait) };

  const presets = mergePresets(s.presets, a.presets, SOURCE);
  renamed.push(...presets.renamed);

  const settings = { ...a.settings };
  if (settings.alphas) settings.alphas = nameRecord(Object.entries(settings.alphas).map(([k, x]) => [to(k), x] as const));
  if (settings.active) settings.active = settings.active.map(to);
  if (typeof settings.selectedTrait === 'string') settings.selectedTrait = to(settings.selectedTrait);
  const newNames = new Set(traits.map((t) => t.set.name));
  return {
    patch: {
      ...settings,
      traits: [...s.traits.filter((t) => !newNames.has(t.set.name)), ...traits],
      vectors,
      presets: presets.presets,
    },
    renamed,
  };
}
