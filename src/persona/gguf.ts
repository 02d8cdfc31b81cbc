/**
 * llama.cpp control vectors (GGUF) ↔ persona vectors.
 *
 * File layout (what llama.cpp and repeng read): `general.architecture = "controlvector"`,
 * `controlvector.model_hint` (string; repeng refuses files without it), `controlvector.layer_count`
 * (u32, number of direction tensors, as repeng writes it), tensors `direction.{N}`: F32, 1-D, n_embd.
 *
 * LAYER MAPPING, checked against llama.cpp's source:
 *  - `common_control_vector_load_one` (common/common.cpp) rejects N = 0, sums tensors with the same
 *    N, and writes `direction.N` at buffer offset n_embd·(N − 1) ("layer 1 at [0]");
 *  - `llama_adapter_cvec::apply` (src/llama-adapter.cpp) fills the tensor of block `il` from offset
 *    n_embd·(il − 1), for il = 1 … n_layer − 1;
 *  - the model graphs call `build_cvec(cur, il)` after the block's FFN residual add, right before
 *    naming the tensor `l_out` — the output of block il.
 * The two −1 cancel: `direction.N` is added to the output of block N, i.e. our
 * `blocks.{N}.resid_post`, row N + 1 of the [L+1, hidden] vector. Blocks 1 … L−1 can be written;
 * block 0 (row 1) and the embedding (row 0) cannot be expressed in llama.cpp.
 *
 * Lossless round trips: unless `keepFullVector: false`, we also store the whole unscaled
 * [L+1, hidden] vector in `personalab.vector` (a float32 array KV, ignored by llama.cpp) and our
 * metadata as `personalab.<key>` strings.
 */
import { GGUF_TYPE, gv, readGguf, writeGguf, type GgufTensor, type GgufValue } from './ggufContainer';
import { assertVector, makePersonaVector, type ExpectedShape, type PersonaVector } from './personaVector';
import { rowOfLayer } from '../engine/hooks';
import { nameRecord } from './nameRecord';
import { metaFromMetadata, vectorMetadata } from './vectorFile';

const ARCH = 'controlvector';
const PREFIX = 'personalab.';

/** GGUF tensor name for decoder block `layer` (l ≥ 1). */
export function ggufDirectionName(layer: number): string {
  if (!Number.isInteger(layer) || layer < 1) {
    throw new Error(`llama.cpp cannot steer block ${layer}: control vectors start at block 1 (direction.0 is rejected by its loader)`);
  }
  return `direction.${layer}`;
}

/** Our vector row for llama.cpp's `direction.{N}`: row N + 1 (blocks.N.resid_post). */
export function rowOfGgufDirection(n: number): number {
  return n + 1;
}

export interface GgufExportOptions {
  /** Blocks to write as directions (each ≥ 1). Default: the vector's chosen layer, else all blocks 1…L−1 present. */
  layers?: number[];
  /** Scale written into the directions (llama.cpp also has its own --control-vector-scaled). Default 1. */
  alpha?: number;
  /** controlvector.model_hint; default meta.extra.model_hint, then the model id, then "unknown". */
  modelHint?: string;
  /** Store the whole unscaled vector and metadata for exact round trips (default true). */
  keepFullVector?: boolean;
}

/** Write a persona vector as a llama.cpp control vector. */
export function exportControlVectorGguf(v: PersonaVector, opts: GgufExportOptions = {}): Uint8Array {
  assertVector(v);
  const alpha = opts.alpha ?? 1;
  if (!Number.isFinite(alpha)) throw new Error(`alpha must be a finite number, got ${alpha}`);
  const present = new Set(v.presentRows ?? Array.from({ length: v.rows }, (_, r) => r));
  let layers = opts.layers;
  if (!layers) {
    if (v.meta.layer !== undefined) layers = [v.meta.layer];
    else layers = [...present].filter((r) => r >= 2).map((r) => r - 1);
  }
  if (layers.length === 0) throw new Error('no layer to export: llama.cpp control vectors need at least one block ≥ 1');
  const tensors: GgufTensor[] = [];
  for (const l of [...new Set(layers)].sort((a, b) => a - b)) {
    const name = ggufDirectionName(l);
    const r = rowOfLayer(l);
    if (r >= v.rows) throw new Error(`block ${l} does not exist in this vector (blocks 0…${v.rows - 2})`);
    if (!present.has(r)) throw new Error(`block ${l} has no data in this vector (rows present: ${[...present].join(', ')})`);
    const row = v.data.subarray(r * v.hidden, (r + 1) * v.hidden);
    tensors.push({ name, dims: [v.hidden], data: alpha === 1 ? Float32Array.from(row) : Float32Array.from(row, (x) => x * alpha) });
  }
  const hint = opts.modelHint ?? v.meta.extra?.model_hint ?? v.meta.modelId ?? 'unknown';
  const kv: [string, GgufValue][] = [
    ['general.architecture', gv.str(ARCH)],
    [`${ARCH}.model_hint`, gv.str(hint)],
    [`${ARCH}.layer_count`, gv.u32(tensors.length)],
  ];
  if (opts.keepFullVector !== false) {
    const meta = vectorMetadata(v);
    for (const [k, val] of Object.entries(meta)) kv.push([PREFIX + k, gv.str(val)]);
    kv.push([`${PREFIX}alpha`, gv.f32(alpha)]);
    kv.push([`${PREFIX}vector`, gv.f32s(v.data)]);
  }
  return writeGguf(kv, tensors);
}

function kvString(kv: Map<string, GgufValue>, key: string): string | undefined {
  const v = kv.get(key);
  return v && v.type === GGUF_TYPE.STRING ? (v.value as string) : undefined;
}

/**
 * Our own files carry the whole vector twice: as llama.cpp's direction tensors (what llama.cpp
 * steers with) and as the `personalab.vector` copy (what the lab reads back). The copy is only
 * trusted when the tensors agree with it: same width, blocks the copy holds, and values equal to
 * α × its rows (float32 rounding aside). A file edited or made by hand so that the two disagree is
 * refused, since llama.cpp would steer with something other than what the lab shows.
 */
function checkDirectionsAgainstFullVector(sums: Map<number, Float32Array>, width: number, v: PersonaVector, alpha: number): void {
  if (sums.size === 0) return;
  if (width !== v.hidden) {
    throw new Error(
      `GGUF: the direction tensors are ${width} values wide but ${PREFIX}hidden_size and ${PREFIX}vector say ${v.hidden}; the file was changed after it was written, so it is refused`,
    );
  }
  const present = new Set(v.presentRows ?? Array.from({ length: v.rows }, (_, r) => r));
  for (const [n, d] of sums) {
    const row = rowOfGgufDirection(n);
    if (row >= v.rows || !present.has(row)) {
      throw new Error(
        `GGUF: direction.${n} steers block ${n}, which ${PREFIX}vector does not hold (${v.rows - 1} blocks); the file was changed after it was written, so it is refused`,
      );
    }
    for (let i = 0; i < width; i++) {
      const want = Math.fround(v.data[row * width + i] * alpha);
      if (!(Math.abs(d[i] - want) <= 1e-6 * Math.max(1, Math.abs(want)))) {
        throw new Error(
          `GGUF: direction.${n}[${i}] is ${d[i]} but ${PREFIX}vector × α gives ${want}; the two copies disagree (the file was changed after it was written), so it is refused`,
        );
      }
    }
  }
}

export interface GgufImportResult {
  vector: PersonaVector;
  modelHint?: string;
  /** α the directions were scaled by, when the file says (our own files). */
  alpha?: number;
  /** Blocks the file had directions for. */
  layers: number[];
}

/**
 * Read a control vector. Our own files come back exactly (full vector, metadata). Foreign files
 * (repeng, llama.cpp's cvector-generator) give a vector with rows N+1 filled (several tensors
 * for one N summed, as llama.cpp does) and the others zero; `expected.numLayers` sets L.
 */
export function importControlVectorGguf(bytes: Uint8Array, expected: ExpectedShape = {}): GgufImportResult {
  const f = readGguf(bytes);
  const arch = kvString(f.kv, 'general.architecture');
  if (arch !== undefined && arch !== ARCH)
    throw new Error(`GGUF: general.architecture is "${arch}", not "${ARCH}"; this is a model file, not a control vector`);
  const modelHint = kvString(f.kv, `${ARCH}.model_hint`);
  const sums = new Map<number, Float32Array>();
  let hidden = -1;
  for (const t of f.tensors) {
    const m = /^direction\.(\d+)$/.exec(t.name);
    if (!m) throw new Error(`GGUF: tensor "${t.name}" is not named direction.{N}; llama.cpp would reject this file`);
    const n = Number(m[1]);
    if (n === 0) throw new Error('GGUF: direction.0 is invalid (llama.cpp rejects layer 0; directions start at block 1)');
    if (t.dims.length !== 1) throw new Error(`GGUF: ${t.name} has ${t.dims.length} dimensions; control vector directions are 1-D`);
    if (hidden === -1) hidden = t.data.length;
    else if (t.data.length !== hidden) throw new Error(`GGUF: ${t.name} has ${t.data.length} values but earlier directions have ${hidden}`);
    const acc = sums.get(n);
    if (acc) for (let i = 0; i < hidden; i++) acc[i] += t.data[i];
    else sums.set(n, Float32Array.from(t.data));
  }
  const layers = [...sums.keys()].sort((a, b) => a - b);
  const alphaKv = f.kv.get(`${PREFIX}alpha`);
  const alpha = alphaKv && alphaKv.type === GGUF_TYPE.FLOAT32 ? (alphaKv.value as number) : undefined;
  const full = f.kv.get(`${PREFIX}vector`);
  const ours = nameRecord<string>();
  for (const [k, val] of f.kv) if (k.startsWith(PREFIX) && val.type === GGUF_TYPE.STRING) ours[k.slice(PREFIX.length)] = val.value as string;
  if (full && 'itemType' in full && full.value instanceof Float32Array) {
    const { meta, numLayers, presentRows } = metaFromMetadata(ours);
    const h = Number(ours.hidden_size);
    if (numLayers === undefined || !(h > 0) || (numLayers + 1) * h !== full.value.length) {
      throw new Error(
        `GGUF: ${PREFIX}vector has ${full.value.length} values, which does not match ${PREFIX}num_layers/${PREFIX}hidden_size; the file is corrupt`,
      );
    }
    const vector = assertVector(makePersonaVector(numLayers + 1, h, Float32Array.from(full.value), meta, presentRows), expected);
    checkDirectionsAgainstFullVector(sums, hidden, vector, alpha ?? 1);
    return { vector, modelHint, alpha, layers };
  }
  if (layers.length === 0) throw new Error('GGUF: the file has no direction tensors');
  const rows = Math.max(layers[layers.length - 1] + 2, (expected.numLayers ?? 0) + 1);
  const data = new Float32Array(rows * hidden);
  for (const n of layers) data.set(sums.get(n)!, (n + 1) * hidden);
  const extra: Record<string, string> = {};
  if (modelHint !== undefined) extra.model_hint = modelHint;
  const meta = Object.keys(extra).length ? { extra } : {};
  const vector = assertVector(
    makePersonaVector(rows, hidden, data, layers.length === 1 ? { ...meta, layer: layers[0] } : meta, layers.map(rowOfGgufDirection)),
    expected,
  );
  return { vector, modelHint, alpha, layers };
}
