/**
 * The built-in trait library: the seven traits studied in the persona-vectors paper, written for
 * Persona Lab (original wording). Each JSON file holds 5 instruction pairs, 20 extraction and 20
 * evaluation questions (no overlap) and a judge prompt with {question} and {answer} slots.
 * The files use the paper's fields plus ours, so they load both here and in the reference code.
 */
import { validateTraitSet, type TraitSet } from '../traitSet';
import evil from './evil.json';
import sycophantic from './sycophantic.json';
import hallucinating from './hallucinating.json';
import optimistic from './optimistic.json';
import impolite from './impolite.json';
import apathetic from './apathetic.json';
import humorous from './humorous.json';

/** Raw JSON of each built-in trait, keyed by name, in the paper's order. */
export const BUILTIN_TRAIT_JSON: Readonly<Record<string, unknown>> = { evil, sycophantic, hallucinating, optimistic, impolite, apathetic, humorous };

export const BUILTIN_TRAIT_NAMES: readonly string[] = Object.keys(BUILTIN_TRAIT_JSON);

function load(name: string, json: unknown): TraitSet {
  const r = validateTraitSet(json);
  if (!r.ok) throw new Error(`built-in trait "${name}" is invalid: ${r.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  return r.value;
}

/** The built-in traits, validated, in the paper's order. */
export const BUILTIN_TRAITS: readonly TraitSet[] = BUILTIN_TRAIT_NAMES.map((n) => load(n, BUILTIN_TRAIT_JSON[n]));

/** A built-in trait by name, or undefined. */
export function builtinTrait(name: string): TraitSet | undefined {
  return BUILTIN_TRAITS.find((t) => t.name === name);
}
