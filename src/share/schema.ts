/**
 * Validation of untrusted preset data (from a link or a file): every field checked for type,
 * range and size; returns the preset or a sentence saying what is wrong. Never throws.
 */
import type { PositionMode } from '../engine/api';
import type { Preset, PresetTrait } from './preset';
import { POSITION_MODES } from '../engine/steering';
import { COUNT_LIMITS, TEXT_LIMITS } from '../persona/limits';

/** Text limits are the lab's one table (src/persona/limits.ts); the rest are a preset's own. */
export const PRESET_LIMITS = {
  maxNameChars: TEXT_LIMITS.presetName,
  maxTraitNameChars: TEXT_LIMITS.traitName,
  maxModelIdChars: TEXT_LIMITS.modelId,
  maxSystemPromptChars: TEXT_LIMITS.systemPrompt,
  maxPromptChars: TEXT_LIMITS.userMessage,
  maxTraits: COUNT_LIMITS.presetTraits,
  maxHidden: 16384,
  maxLayer: 1024,
  maxAbsAlpha: 1000,
  maxNewTokens: 4096,
};

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

/** A JSON object: not null, not an array. */
export function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

class Fail extends Error {}

function str(o: Record<string, unknown>, k: string, max: number, optional = false): string {
  const v = o[k];
  if (v === undefined && optional) return '';
  if (typeof v !== 'string') throw new Fail(`"${k}" must be text`);
  if (v.length > max) throw new Fail(`"${k}" is ${v.length} characters long; the limit is ${max}`);
  return v;
}

function num(o: Record<string, unknown>, k: string, min: number, max: number, integer = false): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Fail(`"${k}" must be a finite number`);
  if (integer && !Number.isInteger(v)) throw new Fail(`"${k}" must be a whole number`);
  if (v < min || v > max) throw new Fail(`"${k}" = ${v} is outside ${min}…${max}`);
  return v;
}

/** Checks the preset fields except vectors; `vectors` supplies each trait's values in order. */
export function checkPresetFields(x: unknown, vectors: (t: Record<string, unknown>, i: number) => Float32Array): Checked<Preset> {
  try {
    if (!isObj(x)) throw new Fail('the preset must be an object');
    const samplingRaw = x.sampling;
    if (!isObj(samplingRaw)) throw new Fail('"sampling" must be an object');
    const positions = x.positions;
    if (typeof positions !== 'string' || !POSITION_MODES.includes(positions as PositionMode))
      throw new Fail(`"positions" must be one of ${POSITION_MODES.join(', ')}`);
    if (!Array.isArray(x.traits)) throw new Fail('"traits" must be a list');
    if (x.traits.length > PRESET_LIMITS.maxTraits) throw new Fail(`${x.traits.length} traits; at most ${PRESET_LIMITS.maxTraits}`);
    const names = new Set<string>();
    const traits: PresetTrait[] = x.traits.map((t: unknown, i: number) => {
      if (!isObj(t)) throw new Fail(`trait ${i + 1} must be an object`);
      const name = str(t, 'name', PRESET_LIMITS.maxTraitNameChars);
      if (!name.trim()) throw new Fail(`trait ${i + 1} has no name`);
      if (names.has(name)) throw new Fail(`trait "${name}" appears twice`);
      names.add(name);
      const vector = vectors(t, i);
      if (vector.length < 1 || vector.length > PRESET_LIMITS.maxHidden) throw new Fail(`trait "${name}" has a vector of ${vector.length} values`);
      for (let k = 0; k < vector.length; k++) if (!Number.isFinite(vector[k])) throw new Fail(`trait "${name}" has a non-finite value at ${k}`);
      const out: PresetTrait = { name, alpha: num(t, 'alpha', -PRESET_LIMITS.maxAbsAlpha, PRESET_LIMITS.maxAbsAlpha), vector };
      if (t.typicalNorm !== undefined) out.typicalNorm = num(t, 'typicalNorm', 0, 1e9);
      return out;
    });
    const hidden = new Set(traits.map((t) => t.vector.length));
    if (hidden.size > 1) throw new Fail("the traits' vectors differ in length");
    const preset: Preset = {
      name: str(x, 'name', PRESET_LIMITS.maxNameChars),
      modelId: str(x, 'modelId', PRESET_LIMITS.maxModelIdChars),
      layer: num(x, 'layer', 0, PRESET_LIMITS.maxLayer, true),
      positions: positions as PositionMode,
      sampling: {
        temperature: num(samplingRaw, 'temperature', 0, 10),
        topK: num(samplingRaw, 'topK', 0, 1_000_000, true),
        topP: num(samplingRaw, 'topP', 0, 1),
      },
      seed: num(x, 'seed', 0, 2 ** 32 - 1, true),
      maxNewTokens: num(x, 'maxNewTokens', 1, PRESET_LIMITS.maxNewTokens, true),
      systemPrompt: str(x, 'systemPrompt', PRESET_LIMITS.maxSystemPromptChars, true),
      prompt: str(x, 'prompt', PRESET_LIMITS.maxPromptChars, true),
      traits,
      createdAt: x.createdAt === undefined ? 0 : num(x, 'createdAt', 0, 1e15, true),
    };
    if (!preset.modelId.trim()) throw new Fail('"modelId" is empty');
    if (x.hubHost !== undefined) {
      const h = str(x, 'hubHost', PRESET_LIMITS.maxModelIdChars);
      if (h && !/^https?:\/\/[^\s]+$/.test(h)) throw new Fail('"hubHost" must be an http(s) URL');
      if (h) preset.hubHost = h;
    }
    return { ok: true, value: preset };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/** Preset fields as plain JSON (vectors left to the caller). */
export function presetHeader(p: Preset): Record<string, unknown> {
  const h: Record<string, unknown> = {
    name: p.name,
    modelId: p.modelId,
    layer: p.layer,
    positions: p.positions,
    sampling: { temperature: p.sampling.temperature, topK: p.sampling.topK, topP: p.sampling.topP },
    seed: p.seed,
    maxNewTokens: p.maxNewTokens,
    systemPrompt: p.systemPrompt,
    prompt: p.prompt,
    createdAt: p.createdAt,
  };
  if (p.hubHost) h.hubHost = p.hubHost;
  return h;
}
