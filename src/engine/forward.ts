/**
 * One forward pass of the instrumented session over a padded batch (see padding.ts), with the
 * caches, per-row steering and the residual-stream readouts the caller asks for. What is fed
 * follows the graph's own declarations (feeds.ts, caches.ts). The residual readouts (all rows, the
 * newest position, probe projections) are built here from the graph's per-row outputs
 * (onnx/instrument.ts), so a pass that asks for none of them pays nothing for them.
 */
import { ort, toFloat32, type Tensor } from './ort';
import type { LoadedModel } from './loadModel';
import { KvCache, type SessionDeclarations } from './caches';
import { ATTENTION_MASK, INPUT_IDS, NUM_LOGITS_TO_KEEP, POSITION_IDS, USE_CACHE_BRANCH, graphInputsOf, positionStart, positionsFromMask } from './feeds';
import { LOGITS_LAST_OUTPUT, STEER_INPUT, STEER_POSITIONS_INPUT } from './onnx/instrument';
import { EngineError } from './errors';

export { KvCache };

export type ForwardReadout = 'logits' | 'logitsLast' | 'resid' | 'residLast' | 'probeProj';

const OUTPUT_OF = { logits: 'logits', logitsLast: LOGITS_LAST_OUTPUT } as const;
const isRowReadout = (r: ForwardReadout): r is 'resid' | 'residLast' | 'probeProj' => !(r in OUTPUT_OF);

/** What a pass needs of a loaded model (tests also run plain graphs through it). */
export type ForwardModel = Pick<LoadedModel, 'config'> & {
  info: Pick<LoadedModel['info'], 'numLayers' | 'hiddenSize'> & { residOutputs?: string[] };
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
  /** [(L+1) * K * hidden] unit probe vectors, with K (projected on the host). */
  probes?: { data: Float32Array; k: number };
  readouts: ForwardReadout[];
}

export interface ForwardOutput {
  readouts: Partial<Record<ForwardReadout, Float32Array>>;
  dims: Partial<Record<ForwardReadout, readonly number[]>>;
  present: KvCache;
}

const int64 = (rows: number[][]) =>
  new ort.Tensor(
    'int64',
    BigInt64Array.from(rows.flat(), (v) => BigInt(v)),
    [rows.length, rows[0].length],
  );

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
    if (!t)
      throw new EngineError(
        'bad_input',
        `the cache passed to this pass has no "${c.past}"`,
        "Start from KvCache.empty(model, batch) and feed back each pass's present.",
      );
    feeds[c.past] = t;
  }
  if (has(STEER_INPUT)) feeds[STEER_INPUT] = new ort.Tensor('float32', input.steer ?? new Float32Array(B * L * H), [B, L, H]);
  if (has(STEER_POSITIONS_INPUT)) feeds[STEER_POSITIONS_INPUT] = new ort.Tensor('float32', input.steerPositions ?? new Float32Array(B * S).fill(1), [B, S]);
  const rowReadouts = input.readouts.filter(isRowReadout);
  const rowOutputs = rowReadouts.length ? model.info.residOutputs : [];
  if (!rowOutputs)
    throw new EngineError('bad_input', 'this graph has no residual outputs', 'Load the model through loadModel (instrumented) to read the residual stream.');
  const direct = input.readouts.filter((r) => !isRowReadout(r)).map((r) => OUTPUT_OF[r as keyof typeof OUTPUT_OF]);
  const fetches = [...new Set([...direct, ...rowOutputs, ...graph.caches.map((c) => c.present)])];
  const out = await model.session.run(feeds, fetches);
  const readouts: ForwardOutput['readouts'] = {};
  const dims: ForwardOutput['dims'] = {};
  for (const r of input.readouts) {
    if (isRowReadout(r)) continue;
    const t = out[OUTPUT_OF[r as keyof typeof OUTPUT_OF]];
    readouts[r] = await toFloat32(t);
    dims[r] = t.dims;
    if (t.location === 'gpu-buffer') t.dispose();
  }
  if (rowReadouts.length) {
    const rows: Float32Array[] = [];
    for (const name of rowOutputs) {
      const t = out[name];
      rows.push(await toFloat32(t));
      if (t.location === 'gpu-buffer') t.dispose();
    }
    Object.assign(readouts, stackRows(rows, B, S, H, rowReadouts, input.probes));
    const R = rows.length;
    if (rowReadouts.includes('resid')) dims.resid = [B, R, S, H];
    if (rowReadouts.includes('residLast')) dims.residLast = [B, R, H];
    if (rowReadouts.includes('probeProj')) dims.probeProj = [B, R, S, input.probes?.k ?? 0];
  }
  const presents: Record<string, Tensor> = {};
  for (const c of graph.caches) presents[c.past] = out[c.present];
  return { readouts, dims, present: new KvCache(presents, input.past.length + S) };
}

/**
 * From the rows [R][B * S * H]: resid [B, R, S, H], residLast [B, R, H] (the newest position) and
 * probeProj [B, R, S, K] (row r · probe (r, k), probes [R * K * H]).
 */
function stackRows(
  rows: Float32Array[],
  B: number,
  S: number,
  H: number,
  wanted: ForwardReadout[],
  probes?: { data: Float32Array; k: number },
): ForwardOutput['readouts'] {
  const R = rows.length;
  const out: ForwardOutput['readouts'] = {};
  if (wanted.includes('resid')) {
    const resid = new Float32Array(B * R * S * H);
    for (let b = 0; b < B; b++) for (let r = 0; r < R; r++) resid.set(rows[r].subarray(b * S * H, (b + 1) * S * H), (b * R + r) * S * H);
    out.resid = resid;
  }
  if (wanted.includes('residLast')) {
    const last = new Float32Array(B * R * H);
    for (let b = 0; b < B; b++) for (let r = 0; r < R; r++) last.set(rows[r].subarray((b * S + S - 1) * H, (b * S + S) * H), (b * R + r) * H);
    out.residLast = last;
  }
  if (wanted.includes('probeProj')) {
    const K = probes?.k ?? 0;
    const proj = new Float32Array(B * R * S * K);
    for (let b = 0; b < B; b++)
      for (let r = 0; r < R; r++)
        for (let s = 0; s < S; s++) {
          const x = rows[r].subarray((b * S + s) * H, (b * S + s + 1) * H);
          for (let k = 0; k < K; k++) {
            const p = probes!.data.subarray((r * K + k) * H, (r * K + k + 1) * H);
            let dot = 0;
            for (let h = 0; h < H; h++) dot += x[h] * p[h];
            proj[((b * R + r) * S + s) * K + k] = dot;
          }
        }
    out.probeProj = proj;
  }
  return out;
}
