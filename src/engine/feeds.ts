/**
 * What a pass feeds, decided by what the session declares (as transformers.js does): `position_ids`
 * only when declared, `num_logits_to_keep` (int64 scalar) and `use_cache_branch` (bool) when
 * declared, every `past_*` cache, and the instrumented graph's own inputs (steer, steer_positions).
 * No input is fed that the graph lacks; an input it declares that nothing here knows how
 * to fill is refused by name before the first run.
 */
import { EngineError } from './errors';
import { cacheSpecs, isCacheInput, type CacheSpec, type SessionDeclarations } from './caches';
import { STEER_INPUT, STEER_POSITIONS_INPUT } from './onnx/instrument';

export const INPUT_IDS = 'input_ids';
export const ATTENTION_MASK = 'attention_mask';
export const POSITION_IDS = 'position_ids';
export const NUM_LOGITS_TO_KEEP = 'num_logits_to_keep';
export const USE_CACHE_BRANCH = 'use_cache_branch';

const INSTRUMENTED = [STEER_INPUT, STEER_POSITIONS_INPUT];
const KNOWN = new Set([INPUT_IDS, ATTENTION_MASK, POSITION_IDS, NUM_LOGITS_TO_KEEP, USE_CACHE_BRANCH, ...INSTRUMENTED]);

/** The inputs a graph declares, sorted by how they are filled. */
export interface GraphInputs {
  declared: ReadonlySet<string>;
  caches: CacheSpec[];
}

const cache = new WeakMap<object, GraphInputs>();

/** Reads (once per session) which inputs the graph declares; refuses one nothing here can fill. */
export function graphInputsOf(decl: SessionDeclarations): GraphInputs {
  let inputs = cache.get(decl);
  if (!inputs) {
    const unknown = decl.inputNames.filter((n) => !KNOWN.has(n) && !isCacheInput(n));
    if (unknown.length) {
      throw new EngineError(
        'bad_model',
        `the graph takes ${unknown.length === 1 ? 'an input' : 'inputs'} ${unknown.map((n) => `"${n}"`).join(', ')} that this lab does not know how to fill`,
        `It fills ${[...KNOWN].filter((n) => !INSTRUMENTED.includes(n)).join(', ')} and past_* caches; a decoder-only text model export is needed.`,
      );
    }
    if (!decl.inputNames.includes(INPUT_IDS)) {
      throw new EngineError(
        'bad_model',
        `the graph has no "${INPUT_IDS}" input (it takes ${decl.inputNames.join(', ')})`,
        'A decoder-only text model export is needed.',
      );
    }
    inputs = { declared: new Set(decl.inputNames), caches: cacheSpecs(decl) };
    cache.set(decl, inputs);
  }
  return inputs;
}

/** Model types whose position ids start at 1 (transformers.js: paligemma, gemma3, gemma3_text). */
const ONE_BASED_POSITIONS = new Set(['gemma3_text', 'gemma3', 'paligemma']);

/** The position id of a row's first token for a model type. */
export function positionStart(modelType: string): number {
  return ONE_BASED_POSITIONS.has(modelType) ? 1 : 0;
}

/**
 * Position ids from an attention mask, the Hugging Face way: cumsum(mask) − 1 (+ start) at real
 * tokens, 1 at padding; the last `width` columns (the tokens of this pass).
 */
export function positionsFromMask(mask: number[][], width: number, start = 0): number[][] {
  return mask.map((row) => {
    let next = start;
    const all = row.map((m) => (m ? next++ : 1));
    return all.slice(all.length - width);
  });
}
