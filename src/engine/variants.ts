/**
 * The ONNX variants a model repository offers, read from its file list (names and sizes), and the
 * rules that pick one for a backend and refuse one that cannot fit — all before any weight is
 * downloaded. Two naming schemes exist:
 * - transformers.js: `onnx/model{suffix}.onnx`, suffix by dtype (fp32 '', fp16 `_fp16`, q8
 *   `_quantized`, …), external data `<file>_data`, `<file>_data_1`, … (or `<file>.data`);
 * - onnxruntime-genai builder: `genai_config.json` beside the graph names it
 *   (`model.decoder.filename`), at the repository root or in a subfolder, external data
 *   `<file>.data`.
 */
import { WASM_MODEL_LIMIT } from './backendFit';
import type { Backend, Capabilities } from './ort';

export { WASM_MODEL_LIMIT };

export const DTYPES = ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4', 'q2', 'q2f16', 'q1', 'q1f16'] as const;
export type Dtype = (typeof DTYPES)[number];

/** transformers.js's file suffix for each dtype. */
export const DTYPE_SUFFIX: Record<Dtype, string> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
  q2: '_q2',
  q2f16: '_q2f16',
  q1: '_q1',
  q1f16: '_q1f16',
};

/** What the fit rules know: the runtime's capabilities and, from config.json, the embedding table's shape. */
export type FitContext = Pick<Capabilities, 'shaderF16' | 'maxBufferSize'> & { table?: { vocab: number; hidden: number } };

/**
 * Bytes per embedding-table element that a variant's name guarantees at least: fp32 tables are
 * float32, fp16 ones float16, 8-bit ones one byte; 4-bit builds may quantise the table too.
 */
const TABLE_BYTES_AT_LEAST: Record<string, number> = { fp32: 4, fp16: 2, q8: 1, int8: 1, uint8: 1 };

/** Dtypes whose activations are float16: on WebGPU they need the `shader-f16` feature. */
const HALF: ReadonlySet<string> = new Set(['fp16', 'q4f16', 'q2f16', 'q1f16']);

export interface RepoFile {
  path: string;
  bytes: number;
}

export interface Variant {
  /** What the user picks: a dtype ('q4', 'fp32', …), or for builder layouts the folder (or 'builder' at the root). */
  name: string;
  /** The graph file's path in the repository. */
  onnxPath: string;
  /** The graph and its external-data files, with sizes. */
  files: RepoFile[];
  /** All files together. */
  bytes: number;
  /** Computes in float16: true/false from a transformers.js name, null when the name does not say (builder folders). */
  halfPrecision: boolean | null;
  layout: 'transformers.js' | 'builder';
}

/** A variant judged against a backend: where it would run and, when it cannot, why (null = it can). */
export interface VariantFit {
  backend: Backend;
  /** Why it runs elsewhere than asked (e.g. WASM for a float16 variant without shader-f16). */
  note: string | null;
  /** Why it cannot run at all, before any download. */
  refusal: string | null;
}

export function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

const join = (dir: string, file: string) => (dir ? `${dir}/${file}` : file);

export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MB`;
  if (bytes >= 2 ** 10) return `${(bytes / 2 ** 10).toFixed(1)} kB`;
  return `${bytes} B`;
}

/**
 * Chunk count from `config["transformers.js_config"].use_external_data_format`: a boolean, a
 * number, or a map from file name (with or without `.onnx`) to either; 0 when it says nothing.
 */
export function externalChunkCount(config: Record<string, unknown>, onnxPath: string): number | null {
  const tjs = config['transformers.js_config'];
  const setting = tjs && typeof tjs === 'object' ? (tjs as Record<string, unknown>).use_external_data_format : undefined;
  if (setting === undefined || setting === null) return null;
  const file = onnxPath.slice(onnxPath.lastIndexOf('/') + 1);
  const value =
    typeof setting === 'object'
      ? ((setting as Record<string, unknown>)[file] ?? (setting as Record<string, unknown>)[file.replace(/\.onnx$/, '')] ?? 0)
      : setting;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 && n <= 100 ? n : null;
}

/** transformers.js's names for `chunks` external-data files of `onnxPath`: `<file>_data`, `<file>_data_1`, … */
export function externalDataNames(onnxPath: string, chunks: number): string[] {
  return Array.from({ length: chunks }, (_, i) => `${onnxPath}_data${i === 0 ? '' : `_${i}`}`);
}

const CHUNK = /_data(?:_(\d+))?$/;

/** The external-data files of a graph among the repository's files. */
function dataFilesOf(onnxPath: string, byPath: Map<string, RepoFile>): RepoFile[] {
  const chunks: { i: number; file: RepoFile }[] = [];
  for (const [path, file] of byPath) {
    if (!path.startsWith(`${onnxPath}_data`)) continue;
    const m = CHUNK.exec(path.slice(onnxPath.length));
    if (m && m.index === 0) chunks.push({ i: m[1] ? Number(m[1]) : 0, file });
  }
  chunks.sort((a, b) => a.i - b.i);
  const builder = byPath.get(`${onnxPath}.data`);
  return [...chunks.map((c) => c.file), ...(builder ? [builder] : [])];
}

function variant(name: string, graph: RepoFile, byPath: Map<string, RepoFile>, halfPrecision: boolean | null, layout: Variant['layout']): Variant {
  const files = [graph, ...dataFilesOf(graph.path, byPath)];
  return { name, onnxPath: graph.path, files, bytes: files.reduce((n, f) => n + f.bytes, 0), halfPrecision, layout };
}

/**
 * The variants among a repository's files. `builderGraphs` maps each `genai_config.json` folder
 * ('' = root) to the graph file its `model.decoder.filename` names.
 */
export function variantsFromFiles(files: RepoFile[], builderGraphs: Record<string, string> = {}): Variant[] {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const out: Variant[] = [];
  for (const dtype of DTYPES) {
    const graph = byPath.get(`onnx/model${DTYPE_SUFFIX[dtype]}.onnx`);
    if (graph) out.push(variant(dtype, graph, byPath, HALF.has(dtype), 'transformers.js'));
  }
  const builderPaths = new Map(Object.entries(builderGraphs).map(([dir, file]) => [join(dir, file), dir]));
  // A root model.onnx is the builder's root layout even where no genai_config.json names it.
  if (byPath.has('model.onnx') && !builderPaths.has('model.onnx')) builderPaths.set('model.onnx', '');
  for (const [path, dir] of builderPaths) {
    const graph = byPath.get(path);
    if (!graph || out.some((v) => v.onnxPath === path)) continue;
    out.push(variant(dir || 'builder', graph, byPath, null, 'builder'));
  }
  return out;
}

/** Dtypes best first for a backend: WebGPU with shader-f16 prefers float16; WASM prefers 4-bit, then 8-bit, then fp32. */
export function preferenceOrder(backend: Backend, caps: Pick<Capabilities, 'shaderF16'>): string[] {
  if (backend === 'webgpu' && caps.shaderF16) return ['q4f16', 'fp16', 'q4', 'fp32', 'q8', 'int8', 'uint8', 'bnb4', 'q2f16', 'q2', 'q1f16', 'q1'];
  if (backend === 'webgpu') return ['q4', 'fp32', 'q8', 'int8', 'uint8', 'bnb4', 'q2', 'q1', 'q4f16', 'fp16', 'q2f16', 'q1f16'];
  return ['q4', 'q8', 'int8', 'uint8', 'fp32', 'bnb4', 'q2', 'q1', 'q4f16', 'fp16', 'q2f16', 'q1f16'];
}

/**
 * Where a variant would run on the asked backend, and whether it can run at all — from names and
 * sizes (and config.json's vocabulary and hidden size: the embedding table is one GPU buffer, at
 * least as big as the name guarantees). The exact per-tensor check against WebGPU's buffer limit
 * needs the graph: the loader makes it after the graph and before the external data.
 */
export function fitOf(v: Variant, backend: Backend, caps: FitContext): VariantFit {
  let note: string | null = null;
  if (backend === 'webgpu' && v.halfPrecision && !caps.shaderF16) {
    backend = 'wasm';
    note = `${v.name} computes in float16 and this WebGPU adapter lacks shader-f16, so it runs on WASM (CPU)`;
  }
  const perElement = TABLE_BYTES_AT_LEAST[v.name];
  const table = caps.table && perElement ? caps.table.vocab * caps.table.hidden * perElement : 0;
  if (backend === 'webgpu' && caps.maxBufferSize > 0 && table > caps.maxBufferSize) {
    backend = 'wasm';
    note = `${v.name}'s embedding table (${caps.table!.vocab} × ${caps.table!.hidden}, ${formatBytes(table)}) exceeds this GPU's maxStorageBufferBindingSize (${formatBytes(caps.maxBufferSize)}), so it runs on WASM (CPU)`;
  }
  if (backend === 'wasm' && v.bytes > WASM_MODEL_LIMIT) {
    const why = note ? `${note}, where it` : `${v.name}`;
    return {
      backend,
      note,
      refusal: `${why} needs ${formatBytes(v.bytes)}, more than WASM can hold (4 GB address space, about ${formatBytes(WASM_MODEL_LIMIT)} for weights)`,
    };
  }
  return { backend, note, refusal: null };
}

/** Smaller variants that would fit, largest first: "q8 (2.00 GB), q4 (1.10 GB)"; '' when none. */
export function fittingAlternatives(variants: Variant[], v: Variant, backend: Backend, caps: FitContext): string {
  const ok = variants.filter((o) => o !== v && o.bytes < v.bytes && fitOf(o, backend, caps).refusal === null);
  return ok
    .sort((a, b) => b.bytes - a.bytes)
    .map((o) => `${o.name} (${formatBytes(o.bytes)})`)
    .join(', ');
}

export interface Choice {
  variant: Variant;
  fit: VariantFit;
}

export class VariantError extends Error {
  constructor(
    message: string,
    readonly hint: string,
    readonly code: 'not_found' | 'too_large',
  ) {
    super(message);
    this.name = 'VariantError';
  }
}

/** Finds a requested variant by name ('q4'), graph path ('onnx/model_q4.onnx') or stem ('model_q4'). */
export function findVariant(variants: Variant[], requested: string): Variant | undefined {
  const r = requested.trim();
  return variants.find((v) => v.name === r || v.onnxPath === r || v.onnxPath === `onnx/${r}.onnx` || v.onnxPath === `${r}.onnx`);
}

/**
 * The variant to load: the requested one, else the first in the backend's preference order that
 * fits (builder layouts after the named dtypes). Refuses, naming what would fit, when the requested
 * one cannot run, or when none can.
 */
export function chooseVariant(variants: Variant[], requested: string | undefined, backend: Backend, caps: FitContext, repo = 'the repository'): Choice {
  const list = variants.map((v) => `${v.name} (${v.onnxPath}, ${formatBytes(v.bytes)})`).join(', ');
  if (variants.length === 0) {
    throw new VariantError(
      `${repo} has no ONNX model (looked for onnx/model.onnx, onnx/model_{fp16,quantized,int8,uint8,q4,q4f16,bnb4,…}.onnx, and the graph a genai_config.json names)`,
      'Use a repository with an onnx/ folder, such as those of onnx-community on the Hub.',
      'not_found',
    );
  }
  if (requested) {
    const v = findVariant(variants, requested);
    if (!v) throw new VariantError(`${repo} has no variant "${requested}"; it has ${list}`, 'Pick one of the listed variants.', 'not_found');
    const fit = fitOf(v, backend, caps);
    if (fit.refusal) {
      const alt = fittingAlternatives(variants, v, backend, caps);
      throw new VariantError(
        `${fit.refusal}; nothing was downloaded`,
        alt ? `Pick a smaller variant that fits: ${alt}.` : 'No variant of this model fits here: use a browser with WebGPU, or a smaller model.',
        'too_large',
      );
    }
    return { variant: v, fit };
  }
  const order = preferenceOrder(backend, caps);
  const rank = (v: Variant) => (v.layout === 'builder' ? order.length : order.indexOf(v.name));
  const ranked = [...variants].sort((a, b) => rank(a) - rank(b));
  for (const v of ranked) {
    const fit = fitOf(v, backend, caps);
    if (!fit.refusal) return { variant: v, fit };
  }
  const smallest = ranked.reduce((a, b) => (b.bytes < a.bytes ? b : a));
  throw new VariantError(
    `no variant of ${repo} fits: ${fitOf(smallest, backend, caps).refusal}; nothing was downloaded`,
    'Use a browser with WebGPU (and shader-f16 for float16 variants), or a smaller model.',
    'too_large',
  );
}
