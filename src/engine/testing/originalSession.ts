/**
 * The un-instrumented graph, run directly with ORT: the baseline the instrumented session is
 * compared against (tests) and measured against (bench).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { float16ToFloat32 } from '../float16';
import { ort } from '../ort';
import { parseOnnx, typeName } from '../onnx/onnxModel';
import { argmax } from '../sampling';

export interface OriginalModel {
  session: ort.InferenceSession;
  /** past_key_values.* inputs with dtype and [heads, headDim]. */
  past: { name: string; dtype: 'float32' | 'float16'; heads: number; headDim: number }[];
  bytes: Uint8Array;
  externalData: { path: string; data: Uint8Array }[];
}

/** Reads `<dir>/onnx/<stem>.onnx` and the external-data files its graph names. */
export function readOnnxFolder(dir: string, stem = 'model'): { bytes: Uint8Array; externalData: { path: string; data: Uint8Array }[] } {
  const bytes = new Uint8Array(readFileSync(join(dir, 'onnx', `${stem}.onnx`)));
  const model = parseOnnx(bytes);
  const files = [...new Set(model.graph.initializers.flatMap((i) => (i.external ? [i.external.location] : [])))];
  return { bytes, externalData: files.map((path) => ({ path, data: new Uint8Array(readFileSync(join(dir, 'onnx', path))) })) };
}

export async function createOriginalSession(dir: string, stem = 'model'): Promise<OriginalModel> {
  const { bytes, externalData } = readOnnxFolder(dir, stem);
  const model = parseOnnx(bytes);
  const past = model.graph.inputs
    .filter((i) => i.name.startsWith('past_key_values'))
    .map((i) => ({ name: i.name, dtype: typeName(i.elemType) as 'float32' | 'float16', heads: Number(i.dims?.[1]), headDim: Number(i.dims?.[3]) }));
  // Same options as QueuedSession.create, so only the graph differs.
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], externalData, graphOptimizationLevel: 'all' });
  return { session, past, bytes, externalData };
}

const int64 = (rows: number[][]) =>
  new ort.Tensor(
    'int64',
    BigInt64Array.from(rows.flat(), (v) => BigInt(v)),
    [rows.length, rows[0].length],
  );

/** Empty KV cache for a batch. */
export function emptyPast(m: OriginalModel, batch: number): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const p of m.past) {
    out[p.name] = new ort.Tensor(p.dtype, p.dtype === 'float16' ? new Uint16Array(0) : new Float32Array(0), [batch, p.heads, 0, p.headDim]);
  }
  return out;
}

export interface OriginalStep {
  /** [B, S, V] as float32 (float16 logits converted exactly); with lastRowOnly, [V] of the last row of batch row 0. */
  logits: Float32Array;
  /** The raw logits tensor data (Uint16Array bit patterns for float16). */
  rawLogits: Float32Array | Uint16Array;
  vocab: number;
  past: Record<string, ort.Tensor>;
}

/** One pass of the original graph. */
export async function runOriginal(
  m: OriginalModel,
  ids: number[][],
  mask: number[][],
  positions: number[][],
  past: Record<string, ort.Tensor>,
  lastRowOnly = false,
): Promise<OriginalStep> {
  const out = await m.session.run({ input_ids: int64(ids), attention_mask: int64(mask), position_ids: int64(positions), ...past });
  const t = out.logits;
  const raw = t.data as Float32Array | Uint16Array;
  const V = Number(t.dims[2]);
  const S = ids[0].length;
  const wanted = lastRowOnly ? raw.subarray((S - 1) * V, S * V) : raw;
  const logits = wanted instanceof Uint16Array ? float16ToFloat32(wanted) : wanted;
  const next: Record<string, ort.Tensor> = {};
  for (const p of m.past) next[p.name] = out[p.name.replace('past_key_values', 'present')];
  return { logits, rawLogits: raw, vocab: Number(t.dims[2]), past: next };
}

/** A minimal greedy loop over the original graph (batch 1): the baseline for decode speed. */
export async function greedyOriginal(m: OriginalModel, prompt: number[], maxNewTokens: number, onToken?: () => void): Promise<number[]> {
  let past = emptyPast(m, 1);
  let ids = [prompt];
  const mask = [prompt.map(() => 1)];
  let positions = [prompt.map((_, i) => i)];
  const tokens: number[] = [];
  for (let step = 0; step < maxNewTokens; step++) {
    const out = await runOriginal(m, ids, mask, positions, past, true);
    const best = argmax(out.logits);
    tokens.push(best);
    onToken?.();
    past = out.past;
    ids = [[best]];
    mask[0].push(1);
    positions = [[positions[0][positions[0].length - 1] + 1]];
  }
  return tokens;
}
