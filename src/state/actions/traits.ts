/** Trait library actions: demo traits from the bundled model, create/edit/duplicate/delete, import/export. */
import { DEMO_TRAIT_NAMES } from '../../persona/lexiconJudge';
import { fileTooLarge, MAX_TRAIT_FILE_BYTES, TEXT_LIMITS } from '../../persona/limits';
import { exportTraitSet, TRAIT_FILE_HINT, validateTraitSet, type TraitSet } from '../../persona/traitSet';
import { importedName } from '../importNames';
import { getLab, setLab } from '../store';
import type { TraitEntry } from '../types';

/** Fetches the demo model's trait files (public/models/persona-demo/traits/*.json); missing ones are skipped. */
export async function loadDemoTraits(baseUrl = `${import.meta.env?.BASE_URL ?? '/'}models/persona-demo/traits/`): Promise<number> {
  const found: TraitEntry[] = [];
  await Promise.all(
    DEMO_TRAIT_NAMES.map(async (name) => {
      try {
        const res = await fetch(`${baseUrl}${name}.json`);
        if (!res.ok) return;
        const r = validateTraitSet(await res.json(), name);
        if (r.ok) found.push({ set: r.value, origin: 'demo' });
      } catch {
        // not there (yet): the library keeps the built-ins
      }
    }),
  );
  found.sort((a, b) => DEMO_TRAIT_NAMES.indexOf(a.set.name) - DEMO_TRAIT_NAMES.indexOf(b.set.name));
  setLab((s) => ({ traits: mergeTraits(s.traits, found, false) }));
  return found.length;
}

/** Adds entries; with `replace` an entry of the same name is replaced, else existing names win. */
function mergeTraits(list: TraitEntry[], add: TraitEntry[], replace: boolean): TraitEntry[] {
  const out = [...list];
  for (const e of add) {
    const i = out.findIndex((t) => t.set.name === e.set.name);
    if (i < 0) out.unshift(e);
    else if (replace || out[i].origin === 'builtin') out[i] = e;
  }
  return out;
}

export function selectTrait(name: string | null): void {
  setLab({ selectedTrait: name, traitIssues: [] });
}

/** Saves an edited trait (JSON text from the editor). Returns true when valid. */
export function saveTraitJson(text: string, previousName: string | null): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    setLab({ traitIssues: [{ path: '', message: `not valid JSON: ${(e as Error).message}` }] });
    return false;
  }
  const r = validateTraitSet(parsed);
  if (!r.ok) {
    setLab({ traitIssues: r.errors });
    return false;
  }
  setLab((s) => {
    const traits = s.traits.filter((t) => t.set.name !== previousName && t.set.name !== r.value.name);
    const at = previousName ? s.traits.findIndex((t) => t.set.name === previousName) : 0;
    traits.splice(Math.max(0, Math.min(at, traits.length)), 0, { set: r.value, origin: 'user' });
    return { traits, selectedTrait: r.value.name, traitIssues: r.warnings };
  });
  return true;
}

function uniqueName(base: string): string {
  const names = new Set(getLab().traits.map((t) => t.set.name));
  if (!names.has(base)) return base;
  for (let i = 2; ; i++) if (!names.has(`${base}-${i}`)) return `${base}-${i}`;
}

export function newTrait(): string {
  const name = uniqueName('curious');
  const set: TraitSet = {
    name,
    description: 'Asks follow-up questions and shows interest in the topic.',
    instruction: [{ pos: 'Be deeply curious; ask follow-up questions.', neg: 'Answer without any curiosity or questions.' }],
    extraction_questions: ['What should I cook tonight?'],
    evaluation_questions: ['How do I start a garden?'],
    eval_prompt: 'Rate from 0 to 100 how curious this answer is. Question: {question} Answer: {answer}',
  };
  setLab((s) => ({ traits: [{ set, origin: 'user' }, ...s.traits], selectedTrait: name, traitIssues: [] }));
  return name;
}

export function duplicateTrait(name: string): string | null {
  const e = getLab().traits.find((t) => t.set.name === name);
  if (!e) return null;
  const copy = { ...structuredClone(e.set), name: uniqueName(`${name}-copy`) };
  setLab((s) => ({ traits: [{ set: copy, origin: 'user' }, ...s.traits], selectedTrait: copy.name }));
  return copy.name;
}

export function deleteTrait(name: string): void {
  setLab((s) => ({ traits: s.traits.filter((t) => t.set.name !== name), selectedTrait: s.selectedTrait === name ? null : s.selectedTrait }));
}

/** Refuses a trait file over MAX_TRAIT_FILE_BYTES (by its size, before it is read); true when refused. */
export function refuseLargeTraitFile(bytes: number, fileName = ''): boolean {
  if (bytes <= MAX_TRAIT_FILE_BYTES) return false;
  setLab({
    traitIssues: [{ path: fileName, message: `${fileTooLarge(bytes, MAX_TRAIT_FILE_BYTES, 'a trait file')}, so it was not read. ${TRAIT_FILE_HINT}` }],
  });
  return true;
}

/**
 * Imports one trait set or a list of them from JSON text; problems go to traitIssues. A file that
 * holds no trait set (an empty list, an object without trait fields) says so and what to do. A
 * trait that meets a saved trait of the user's with other content is kept beside it as
 * "<name> (from file)"; one with the same content changes nothing.
 */
export function importTraitsJson(text: string, fileName?: string): number {
  const where = fileName ?? '';
  if (refuseLargeTraitFile(text.length, where)) return 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    setLab({ traitIssues: [{ path: where, message: `not valid JSON: ${(e as Error).message}` }] });
    return 0;
  }
  if (Array.isArray(parsed) && parsed.length === 0) {
    setLab({ traitIssues: [{ path: where, message: `the file holds an empty list, so there was no trait to import. ${TRAIT_FILE_HINT}` }] });
    return 0;
  }
  const items = Array.isArray(parsed) ? parsed : [parsed];
  const fallback = fileName?.replace(/\.json$/i, '');
  const ok: TraitEntry[] = [];
  const issues: { path: string; message: string }[] = [];
  for (const [i, item] of items.entries()) {
    const r = validateTraitSet(item, items.length === 1 ? fallback : undefined);
    if (r.ok) ok.push({ set: r.value, origin: 'user' });
    else issues.push(...r.errors.map((e) => ({ path: items.length > 1 ? `[${i}]${e.path ? '.' + e.path : ''}` : e.path, message: e.message })));
  }
  const saved = new Map(
    getLab()
      .traits.filter((t) => t.origin === 'user')
      .map((t) => [t.set.name, t.set]),
  );
  const added = new Set<string>();
  const fresh: TraitEntry[] = [];
  for (const e of ok) {
    const { name, same } = importedName(e.set.name, 'file', TEXT_LIMITS.traitName, (n) => {
      if (added.has(n)) return 'taken';
      const s = saved.get(n);
      return !s ? 'free' : exportTraitSet(s) === exportTraitSet({ ...e.set, name: n }) ? 'same' : 'taken';
    });
    added.add(name);
    if (name !== e.set.name)
      issues.push({ path: e.set.name, message: `a saved trait has this name with other content, so the imported one is kept as "${name}"` });
    if (!same) fresh.push({ ...e, set: { ...e.set, name } });
  }
  const first = ok.length ? [...added][0] : undefined;
  setLab((s) => ({ traits: fresh.length ? mergeTraits(s.traits, fresh, true) : s.traits, traitIssues: issues, selectedTrait: first ?? s.selectedTrait }));
  return ok.length;
}

export function exportTraitJson(name: string): string | null {
  const e = getLab().traits.find((t) => t.set.name === name);
  return e ? exportTraitSet(e.set) : null;
}
