/**
 * One check per field of the settings document (persist.ts SETTINGS): what a lab file, a damaged
 * or hand-edited localStorage entry may get wrong, with the text limits of src/persona/limits.ts.
 * The lab file import refuses a file with a bad field (naming it); a reload drops the bad field and
 * keeps the rest, so one bad value never blanks the lab.
 */
import { POSITION_MODES } from '../engine/steering';
import { COUNT_LIMITS, TEXT_LIMITS } from '../persona/limits';
import { READOUTS } from '../persona/personaVector';
import { isObj } from '../share/schema';
import type { SETTINGS } from './persist';

type SettingKey = (typeof SETTINGS)[number];

export const isInt = (x: unknown, min = 0): x is number => Number.isInteger(x) && (x as number) >= min;
const oneOf =
  (...xs: unknown[]) =>
  (x: unknown) =>
    xs.includes(x);
/** A string of at most `max` characters. */
const text = (max: number) => (x: unknown) => typeof x === 'string' && x.length <= max;
const textOrNull = (max: number) => (x: unknown) => x === null || text(max)(x);
const isReadout = oneOf(...READOUTS);
export const READOUT_LIST = READOUTS.map((r) => `"${r}"`).join(', ');
const T = TEXT_LIMITS;

export const isTurn = (t: unknown): boolean =>
  isObj(t) && text(200)(t.id) && text(T.userMessage)(t.user) && text(T.reply)(t.unsteered) && text(T.reply)(t.steered) && isObj(t.alphas);

export const SETTING_CHECKS: Record<SettingKey, [(x: unknown) => boolean, string]> = {
  modelText: [text(T.modelId), `text of at most ${T.modelId} characters`],
  hubHost: [text(T.modelId), `text of at most ${T.modelId} characters`],
  backendPref: [oneOf('auto', 'webgpu', 'wasm'), '"auto", "webgpu" or "wasm"'],
  variantChoice: [
    (x) => x === null || (isObj(x) && text(T.modelId)(x.model) && text(200)(x.name)),
    'null, or an object with texts model and name (a variant picked for that model)',
  ],
  autoload: [(x) => typeof x === 'boolean', 'true or false'],
  loadedId: [textOrNull(T.modelId), `text of at most ${T.modelId} characters, or null`],
  selectedTrait: [textOrNull(T.traitName), `a trait name (at most ${T.traitName} characters) or null`],
  extractSettings: [
    (x) =>
      isObj(x) &&
      ['questions', 'pairs', 'samples', 'maxNewTokens'].every((k) => isInt(x[k], 1)) &&
      typeof x.filter === 'boolean' &&
      (x.readout === undefined || isReadout(x.readout)),
    `an object with positive integers questions, pairs, samples, maxNewTokens, a boolean filter and an optional readout (${READOUT_LIST})`,
  ],
  alphas: [
    (x) => isObj(x) && Object.entries(x).every(([k, a]) => k.length <= T.traitName && typeof a === 'number'),
    `an object of numbers keyed by trait names of at most ${T.traitName} characters`,
  ],
  active: [(x) => Array.isArray(x) && x.length <= 1000 && x.every(text(T.traitName)), `a list of trait names (at most ${T.traitName} characters each)`],
  layer: [(x) => x === null || isInt(x), 'a block index or null'],
  positions: [oneOf(...POSITION_MODES), POSITION_MODES.map((m) => `"${m}"`).join(', ')],
  sampling: [
    (x) => isObj(x) && ['temperature', 'topK', 'topP'].every((k) => typeof x[k] === 'number' && Number.isFinite(x[k])),
    'an object with numbers temperature, topK, topP',
  ],
  seed: [(x) => isInt(x), 'a non-negative integer'],
  maxNewTokens: [(x) => isInt(x, 1), 'a positive integer'],
  systemPrompt: [text(T.systemPrompt), `text of at most ${T.systemPrompt} characters`],
  draft: [text(T.userMessage), `text of at most ${T.userMessage} characters`],
  turns: [
    (x) => Array.isArray(x) && x.length <= COUNT_LIMITS.chatTurns && x.every(isTurn),
    `a list of at most ${COUNT_LIMITS.chatTurns} chat turns (messages of at most ${T.userMessage} characters, replies of at most ${T.reply})`,
  ],
  sweep: [
    (x) =>
      x === null ||
      (isObj(x) &&
        text(T.traitName)(x.trait) &&
        text(T.userMessage)(x.prompt) &&
        isInt(x.layer) &&
        Array.isArray(x.points) &&
        x.points.length <= 100 &&
        x.points.every((p) => isObj(p) && typeof p.alpha === 'number' && text(T.reply)(p.text) && (p.score === null || typeof p.score === 'number'))),
    `a sweep result (a prompt of at most ${T.userMessage} characters, at most 100 replies of at most ${T.reply}) or null`,
  ],
  tab: [oneOf('model', 'traits', 'chat', 'monitor', 'screen', 'presets'), 'a panel name'],
  theme: [oneOf('dark', 'light'), '"dark" or "light"'],
  monitorText: [text(T.monitorText), `text of at most ${T.monitorText} characters`],
};

/** Why a settings field is wrong ("settings.systemPrompt must be text of at most 4000 characters"), or null. */
export function settingProblem(key: SettingKey, value: unknown): string | null {
  const [ok, what] = SETTING_CHECKS[key];
  return ok(value) ? null : `settings.${key} must be ${what}`;
}
