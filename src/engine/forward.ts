/**
 * One forward pass of the instrumented session over a padded batch (see padding.ts), with the
 * caches, per-row steering and the residual-stream readouts the caller asks for. What is fed
 * follows the graph's own declarations (feeds.ts, caches.ts).
 */
import { ort, toFloat32, type Tensor } from './ort';
import type { LoadedModel } from './loadModel';
import { KvCache, type SessionDeclarations } from './caches';
import { ATTENTION_MASK, INPUT_IDS, NUM_LOGITS_TO_KEEP, POSITION_IDS, USE_CACHE_BRANCH, graphInputsOf, positionStart, positionsFromMask } from './feeds';
import {
  LOGITS_LAST_OUTPUT, PROBES_INPUT, PROBE_OUTPUT, RESID_LAST_OUTPUT, RESID_OUTPUT, STEER_INPUT, STEER_POSITIONS_INPUT,
} from './onnx/instrument';
import { EngineError } from './errors';

export { KvCache };

export type Readout = 'logits' | 'logitsLast' | 'resid' | 'residLast' | 'probeProj';

const OUTPUT_OF: Record<Readout, string> = {
  logits: 'logits', logitsLast: LOGITS_LAST_OUTPUT, resid: RESID_OUTPUT, residLast: RESID_LAST_OUTPUT, probeProj: PROBE_OUTPUT,
};

/** What a pass needs of a loaded model (tests also run plain graphs through it). */
export type ForwardModel = Pick<LoadedModel, 'info' | 'config'> & {
  session: SessionDeclarations & { run(feeds: Record<string, Tensor>, fetches?: string[]): Promise<Record<string, Tensor>> };
};

export interface ForwardInput {
  /** [B][S] token ids, already padded. */
  ids: number[][];
  /** [B][past + S] 1 for real tokens, 0 for padding. */
  attentionMask: number[][];
  /** [B][S]; fed only when the graph declares position_ids. Default: from the mask as if left-padded (feeds.ts); padding.ts gives them for both sides. */
  positionIds?: number[][];
  past: KvCache;
  /** [B * L * hidden], per-row steering added to blocks.{l}.resid_post; zeros for none. */
  steer?: Float32Array;
  /** [B * S]: 1 where this pass steers, 0 where it does not. Defaults to all ones. */
  steerPositions?: Float32Array;
  /** [(L+1) * K * hidden] unit probe vectors, with K. */
  probes?: { data: Float32Array; k: number };
  readouts: Readout[];
}

export interface ForwardOutput {
  readouts: Partial<Record<Readout, Float32Array>>;
  dims: Partial<Record<Readout, readonly number[]>>;
  present: KvCache;
}

const int64 = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat(), (v) => BigInt(v)), [rows.length, rows[0].length]);

export async function forward(model: ForwardModel, input: ForwardInput): Promise<ForwardOutput> {
  const B = input.ids.length;
  const S = input.ids[0].length;
  const { numLayers: L, hiddenSize: H } = model.info;
  const graph = graphInputsOf(model.session);
  const has = (name: string) => graph.declared.has(name);
  const feeds: Record<string, Tensor> = { [INPUT_IDS]: int64(input.ids) };
  if (has(ATTENTION_MASK)) feeds[ATTENTION_MASK] = int64(input.attentionMask);
  if (has(POSITION_IDS)) {
    feeds[POSITION_IDS] = int64(input.positionIds ?? positionsFromMask(input.attentionMask, S, positionStart(model.config.modelType)));
  }
  // 0 = logits at every position; 1 = only the newest (all that logits_last and generation need).
  if (has(NUM_LOGITS_TO_KEEP)) feeds[NUM_LOGITS_TO_KEEP] = new ort.Tensor('int64', BigInt64Array.from([input.readouts.includes('logits') ? 0n : 1n]), []);
  if (has(USE_CACHE_BRANCH)) feeds[USE_CACHE_BRANCH] = new ort.Tensor('bool', Uint8Array.from([input.past.length > 0 ? 1 : 0]), [1]);
  for (const c of graph.caches) {
    const t = input.past.tensors[c.past];
    if (!t) throw new EngineError('bad_input', `the cache passed to this pass has no "${c.past}"`, 'Start from KvCache.empty(model, batch) and feed back each pass\'s present.');
    feeds[c.past] = t;
  }
  if (has(STEER_INPUT)) feeds[STEER_INPUT] = new ort.Tensor('float32', input.steer ?? new Float32Array(B * L * H), [B, L, H]);
  if (has(STEER_POSITIONS_INPUT)) feeds[STEER_POSITIONS_INPUT] = new ort.Tensor('float32', input.steerPositions ?? new Float32Array(B * S).fill(1), [B, S]);
  if (has(PROBES_INPUT)) {
    const probes = input.probes ?? { data: new Float32Array((L + 1) * H), k: 1 };
    feeds[PROBES_INPUT] = new ort.Tensor('float32', probes.data, [L + 1, probes.k, H]);
  }
  const fetches = [...new Set([...input.readouts.map((r) => OUTPUT_OF[r]), ...graph.caches.map((c) => c.present)])];
  const out = await model.session.run(feeds, fetches);
  const readouts: ForwardOutput['readouts'] = {};
  const dims: ForwardOutput['dims'] = {};
  for (const r of input.readouts) {
    const t = out[OUTPUT_OF[r]];
    readouts[r] = await toFloat32(t);
    dims[r] = t.dims;
    if (t.location === 'gpu-buffer') t.dispose();
  }
  const presents: Record<string, Tensor> = {};
  for (const c of graph.caches) presents[c.past] = out[c.present];
  return { readouts, dims, present: new KvCache(presents, input.past.length + S) };
}
