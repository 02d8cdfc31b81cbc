/**
 * One forward pass of the instrumented session over a (left-padded) batch, with the KV cache,
 * per-row steering and the residual-stream readouts the caller asks for.
 */
import { ort, toFloat32, type Tensor } from './ort';
import type { LoadedModel } from './loadModel';
import {
  LOGITS_LAST_OUTPUT, PROBES_INPUT, PROBE_OUTPUT, RESID_LAST_OUTPUT, RESID_OUTPUT, STEER_INPUT, STEER_POSITIONS_INPUT,
} from './onnx/instrument';

export type Readout = 'logits' | 'logitsLast' | 'resid' | 'residLast' | 'probeProj';

const OUTPUT_OF: Record<Readout, string> = {
  logits: 'logits', logitsLast: LOGITS_LAST_OUTPUT, resid: RESID_OUTPUT, residLast: RESID_LAST_OUTPUT, probeProj: PROBE_OUTPUT,
};

/** The KV cache of a batch: present tensors (on the GPU with WebGPU) fed back as past. */
export class KvCache {
  constructor(
    readonly tensors: Record<string, Tensor>,
    readonly length: number,
  ) {}

  static empty(model: LoadedModel, batch: number): KvCache {
    const tensors: Record<string, Tensor> = {};
    for (const p of model.info.pastInputs) {
      const [, heads, , headDim] = p.dims;
      if (typeof heads !== 'number' || typeof headDim !== 'number') throw new Error(`cannot tell the KV-cache shape of ${p.name}`);
      const dtype = p.dtype === 'float16' ? 'float16' : 'float32';
      const data = dtype === 'float16' ? new Uint16Array(0) : new Float32Array(0);
      tensors[p.name] = new ort.Tensor(dtype, data, [batch, heads, 0, headDim]);
    }
    return new KvCache(tensors, 0);
  }

  dispose(): void {
    for (const t of Object.values(this.tensors)) if (t.location === 'gpu-buffer') t.dispose();
  }
}

export interface ForwardInput {
  /** [B][S] token ids, already padded. */
  ids: number[][];
  /** [B][past + S] 1 for real tokens, 0 for padding. */
  attentionMask: number[][];
  /** [B][S] */
  positionIds: number[][];
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

export async function forward(model: LoadedModel, input: ForwardInput): Promise<ForwardOutput> {
  const B = input.ids.length;
  const S = input.ids[0].length;
  const { numLayers: L, hiddenSize: H } = model.info;
  const probes = input.probes ?? { data: new Float32Array((L + 1) * H), k: 1 };
  const feeds: Record<string, Tensor> = {
    input_ids: int64(input.ids),
    attention_mask: int64(input.attentionMask),
    position_ids: int64(input.positionIds),
    ...input.past.tensors,
    [STEER_INPUT]: new ort.Tensor('float32', input.steer ?? new Float32Array(B * L * H), [B, L, H]),
    [STEER_POSITIONS_INPUT]: new ort.Tensor('float32', input.steerPositions ?? new Float32Array(B * S).fill(1), [B, S]),
    [PROBES_INPUT]: new ort.Tensor('float32', probes.data, [L + 1, probes.k, H]),
  };
  const presentNames = model.info.pastInputs.map((p) => p.name.replace('past_key_values', 'present'));
  const fetches = [...new Set([...input.readouts.map((r) => OUTPUT_OF[r]), ...presentNames])];
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
  model.info.pastInputs.forEach((p, i) => (presents[p.name] = out[presentNames[i]]));
  return { readouts, dims, present: new KvCache(presents, input.past.length + S) };
}

/** Left-pads rows to one length; returns ids, mask and HF-style position ids. */
export function leftPad(rows: number[][], padId: number): { ids: number[][]; mask: number[][]; positions: number[][] } {
  const width = Math.max(...rows.map((r) => r.length));
  const ids = rows.map((r) => [...new Array<number>(width - r.length).fill(padId), ...r]);
  const mask = rows.map((r) => [...new Array<number>(width - r.length).fill(0), ...new Array<number>(r.length).fill(1)]);
  const positions = mask.map((m) => {
    let p = -1;
    return m.map((v) => (v ? ++p : 1));
  });
  return { ids, mask, positions };
}
