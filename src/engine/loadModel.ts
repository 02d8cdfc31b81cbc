/**
 * Loads a model from any source: config, tokenizer, the ONNX variant that suits the backend, its
 * external data; instruments the graph and creates the session (WebGPU first, WASM fallback).
 */
import { EngineError, throwIfCancelled } from './errors';
import type { FileFetcher } from './modelSource';
import { ProgressTracker, type ProgressListener } from './progress';
import { instrumentModel, ORIGINAL_WEIGHTS_PATH, type InstrumentationInfo } from './onnx/instrument';
import { fitBackend } from './backendFit';
import { QueuedSession, detectCapabilities, type Backend, type Capabilities } from './ort';
import { buildTokenizer, type Tokenizer } from './tokenizer';
import { cacheHintsFromConfig, type CacheHints } from './caches';
import { listVariants, selfContainedFolders, subfolderFetcher } from './repoListing';
import { DTYPE_SUFFIX, VariantError, chooseVariant, dirOf, fitOf, fittingAlternatives, preferenceOrder, type Variant } from './variants';
import type { VariantListing } from './api';

export interface ModelConfig {
  modelType: string;
  numLayers: number;
  hiddenSize: number;
  vocabSize: number;
  maxPositions: number;
  eosTokenIds: number[];
  /** Sizes for cache dims an export may leave symbolic (head count, head size, conv width). */
  cacheHints?: CacheHints;
}

export interface LoadOptions {
  /** 'auto' picks WebGPU when the runtime has it. */
  backend?: Backend | 'auto';
  /** The variant: a dtype (q4, fp16, …), a builder folder, a stem under onnx/ (model_q4) or a graph path; default: chosen by backend. */
  variant?: string;
  onProgress?: ProgressListener;
  /**
   * Stops the load: checked after every file and between the stages; a session already created is
   * released. The load then fails with EngineError 'cancelled'. (The fetcher's own requests stop
   * on it when the fetcher was made with the same signal.)
   */
  signal?: AbortSignal;
}

/** What a cancelled load's error says ("loading the model was cancelled"). */
export const LOAD_CANCELLED = 'loading the model';

/** `fetcher` that fails with EngineError 'cancelled' before and after every request once `signal` is aborted. */
function stopsOn(fetcher: FileFetcher, signal: AbortSignal | undefined): FileFetcher {
  if (!signal) return fetcher;
  const checked =
    <A extends unknown[], R>(f: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      throwIfCancelled(signal, LOAD_CANCELLED);
      const result = await f(...args);
      throwIfCancelled(signal, LOAD_CANCELLED);
      return result;
    };
  return {
    label: fetcher.label,
    get: checked((path: string, progress?: ProgressTracker) => fetcher.get(path, progress)),
    ...(fetcher.list ? { list: checked(() => fetcher.list!()) } : {}),
    ...(fetcher.size ? { size: checked((path: string) => fetcher.size!(path)) } : {}),
  };
}

export interface LoadedModel {
  id: string;
  config: ModelConfig;
  generationConfig: Record<string, unknown>;
  tokenizer: Tokenizer;
  session: QueuedSession;
  backend: Backend;
  /** Why the backend is not the one asked for (e.g. no shader-f16 for a float16 model). */
  backendNote: string | null;
  /** Path of the ONNX graph that was loaded (onnx/model_q4.onnx, model.onnx, …). */
  variant: string;
  info: InstrumentationInfo;
}

const decoder = new TextDecoder();

async function readJson(fetcher: FileFetcher, path: string, tracker: ProgressTracker, required: boolean): Promise<Record<string, unknown> | null> {
  const bytes = await fetcher.get(path, tracker);
  if (!bytes) {
    if (required)
      throw new EngineError(
        'not_found',
        `${fetcher.label} has no ${path}`,
        'Pick the root folder of a Hugging Face model repository (it holds config.json and tokenizer.json).',
      );
    return null;
  }
  try {
    const value = JSON.parse(decoder.decode(bytes));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
    return value;
  } catch (e) {
    throw new EngineError('bad_model', `${path} of ${fetcher.label} is not valid JSON (${e instanceof Error ? e.message : e})`);
  }
}

function positiveInt(config: Record<string, unknown>, keys: string[], what: string): number {
  const textConfig = (config.text_config ?? {}) as Record<string, unknown>;
  for (const k of keys) {
    const v = config[k] ?? textConfig[k];
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  }
  throw new EngineError('bad_model', `config.json does not give the ${what} (expected one of ${keys.join(', ')})`);
}

function idList(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.filter((x): x is number => typeof x === 'number');
  return [];
}

export function parseConfig(config: Record<string, unknown>, generationConfig: Record<string, unknown>): ModelConfig {
  return {
    modelType: String(config.model_type ?? 'unknown'),
    numLayers: positiveInt(config, ['num_hidden_layers', 'n_layer', 'num_layers'], 'number of layers'),
    hiddenSize: positiveInt(config, ['hidden_size', 'n_embd', 'd_model'], 'hidden size'),
    vocabSize: positiveInt(config, ['vocab_size'], 'vocabulary size'),
    maxPositions: (config.max_position_embeddings as number) ?? 2048,
    eosTokenIds: [...new Set([...idList(generationConfig.eos_token_id), ...idList(config.eos_token_id)])],
    cacheHints: cacheHintsFromConfig(config),
  };
}

/** ONNX file stems to try, best first, for a backend (sources that can neither list nor size their files). */
export function variantCandidates(backend: Backend, caps: Capabilities): string[] {
  return preferenceOrder(backend, caps).map((d) => `model${DTYPE_SUFFIX[d as keyof typeof DTYPE_SUFFIX]}`);
}

/** A variant as given (a dtype, a stem under onnx/, or a path) → the graph's path. */
function variantPath(v: string): string {
  if (v in DTYPE_SUFFIX) return `onnx/model${DTYPE_SUFFIX[v as keyof typeof DTYPE_SUFFIX]}.onnx`;
  return v.endsWith('.onnx') ? v : `onnx/${v}.onnx`;
}

function pickBackend(requested: Backend | 'auto', caps: Capabilities): { backend: Backend; note: string | null } {
  if (requested === 'wasm') return { backend: 'wasm', note: null };
  if (caps.webgpu) return { backend: 'webgpu', note: null };
  // Outside a browser (the CLI, tests) WASM is the only backend, which needs no explanation.
  const inBrowser = typeof window !== 'undefined' || typeof navigator !== 'undefined';
  const note = 'WebGPU is not available in this browser, so the model runs on WASM (CPU)';
  return { backend: 'wasm', note: requested === 'webgpu' || inBrowser ? note : null };
}

/**
 * The repository's variants with sizes, each judged for the backend a load with the same request
 * would use, and the one a load would take by default. Reads config.json and file sizes only.
 */
/** The embedding table's shape from config.json, when it gives both numbers. */
function tableShape(config: Record<string, unknown>): { vocab: number; hidden: number } | undefined {
  try {
    const c = parseConfig(config, {});
    return { vocab: c.vocabSize, hidden: c.hiddenSize };
  } catch {
    return undefined;
  }
}

export async function inspectVariants(fetcher: FileFetcher, requested: Backend | 'auto'): Promise<VariantListing> {
  const caps = await detectCapabilities();
  const { backend } = pickBackend(requested, caps);
  const config = await readJson(fetcher, 'config.json', new ProgressTracker(), false);
  const folders = config ? null : await selfContainedFolders(fetcher);
  if (!config && !folders?.length) await readJson(fetcher, 'config.json', new ProgressTracker(), true); // says what is missing
  const variants = folders?.length ? folders : await listVariants(fetcher, config!);
  const ctx = { ...caps, table: config ? tableShape(config) : undefined };
  if (!variants)
    throw new EngineError(
      'bad_input',
      `${fetcher.label} cannot list its files or tell their sizes`,
      'Load it without choosing a variant: the lab takes the first it finds for the backend.',
    );
  let defaultVariant: string | null = null;
  let refusal: string | null = null;
  try {
    defaultVariant = chooseVariant(variants, undefined, backend, ctx, fetcher.label).variant.name;
  } catch (e) {
    if (!(e instanceof VariantError)) throw e;
    refusal = `${e.message}. ${e.hint}`;
  }
  return {
    id: fetcher.label,
    backend,
    defaultVariant,
    refusal,
    variants: variants.map((v) => {
      const fit = fitOf(v, backend, ctx);
      const alternatives = fit.refusal ? fittingAlternatives(variants, v, backend, ctx) : '';
      return {
        name: v.name,
        onnxPath: v.onnxPath,
        files: v.files,
        bytes: v.bytes,
        backend: fit.backend,
        note: fit.note,
        refusal: fit.refusal && (alternatives ? `${fit.refusal}; ${alternatives} would fit` : fit.refusal),
      };
    }),
  };
}

/** chooseVariant, its refusals as EngineErrors. */
function choose(...args: Parameters<typeof chooseVariant>): ReturnType<typeof chooseVariant> {
  try {
    return chooseVariant(...args);
  } catch (e) {
    if (e instanceof VariantError) throw new EngineError(e.code, e.message, e.hint);
    throw e;
  }
}

export async function loadModel(source: FileFetcher, options: LoadOptions = {}): Promise<LoadedModel> {
  const { signal } = options;
  let fetcher = stopsOn(source, signal);
  const tracker = new ProgressTracker(options.onProgress);
  const caps = await detectCapabilities();
  let { backend, note } = pickBackend(options.backend ?? 'auto', caps);

  let requestedVariant = options.variant;
  /** The folder loaded from, when the repository keeps each build in its own folder ('' otherwise). */
  let buildFolder = '';
  let rawConfig = await readJson(fetcher, 'config.json', tracker, false);
  if (!rawConfig) {
    // A builder repository with one self-contained folder per build: load from the chosen folder.
    const folders = await selfContainedFolders(fetcher);
    if (folders?.length) {
      const choice = choose(folders, requestedVariant, backend, caps, fetcher.label);
      buildFolder = `${dirOf(choice.variant.onnxPath)}/`;
      fetcher = subfolderFetcher(fetcher, buildFolder.slice(0, -1));
      requestedVariant = undefined;
    }
    rawConfig = (await readJson(fetcher, 'config.json', tracker, true))!;
  }
  const generationConfig = (await readJson(fetcher, 'generation_config.json', tracker, false)) ?? {};
  const config = parseConfig(rawConfig, generationConfig);
  const fitContext = { ...caps, table: { vocab: config.vocabSize, hidden: config.hiddenSize } };
  const tokenizerJson = await readJson(fetcher, 'tokenizer.json', tracker, true);
  const tokenizerConfig = (await readJson(fetcher, 'tokenizer_config.json', tracker, false)) ?? {};
  const templateBytes = tokenizerConfig.chat_template ? null : await fetcher.get('chat_template.jinja', tracker);

  // The variant, chosen (or refused) from names and sizes before any weight is downloaded.
  const genaiConfig = await readJson(fetcher, 'genai_config.json', tracker, false);
  let variants: Variant[] | null;
  try {
    variants = await listVariants(fetcher, rawConfig);
  } catch (e) {
    // Sizes could not be asked (e.g. offline with the model in the browser's cache): try names one by one.
    if (!(e instanceof EngineError && e.code === 'network')) throw e;
    variants = null;
  }
  let chosen: Variant | null = null;
  let onnx: Uint8Array | null = null;
  let onnxPath = '';
  if (variants) {
    const choice = choose(variants, requestedVariant, backend, fitContext, fetcher.label);
    if (choice.fit.backend !== backend) {
      backend = choice.fit.backend;
      note = choice.fit.note;
    }
    chosen = choice.variant;
    onnxPath = chosen.onnxPath;
    onnx = await fetcher.get(onnxPath, tracker);
    if (!onnx)
      throw new EngineError(
        'not_found',
        `${fetcher.label} lists ${onnxPath}, but it could not be downloaded`,
        'Try again; if it persists, the repository may be incomplete.',
      );
  } else {
    // Without sizes: try the names by preference, then the graph a root genai_config.json names.
    const filename = (genaiConfig?.model as { decoder?: { filename?: unknown } } | undefined)?.decoder?.filename;
    const builder = typeof filename === 'string' && filename.endsWith('.onnx') ? [filename] : [];
    const candidates = requestedVariant ? [variantPath(requestedVariant)] : [...variantCandidates(backend, caps).map(variantPath), ...builder];
    for (const path of candidates) {
      onnx = await fetcher.get(path, tracker);
      if (onnx) {
        onnxPath = path;
        break;
      }
    }
    if (!onnx) {
      throw new EngineError(
        'not_found',
        `${fetcher.label} has no ONNX model (looked for ${candidates.join(', ')})`,
        'Use a repository with an onnx/ folder, such as those of onnx-community on the Hub.',
      );
    }
  }

  throwIfCancelled(signal, LOAD_CANCELLED);
  tracker.stage('instrument', 'Instrumenting the graph (steering inputs, residual-stream outputs)');
  const instrumented = instrumentModel(onnx, { numLayers: config.numLayers, hiddenSize: config.hiddenSize });
  const halfPrecision = instrumented.info.residualDtype === 'float16' || instrumented.info.pastInputs.some((p) => p.dtype === 'float16');
  const inlineBytes = onnx.length;
  // The graph gives the tensor sizes: WebGPU's buffer limit and WASM's size cap are checked before the external data downloads.
  const fitFor = (totalBytes: number) => {
    try {
      return fitBackend(backend, caps, { halfPrecision, largestTensor: instrumented.info.largestTensor, totalBytes });
    } catch (e) {
      const alternatives = chosen && variants ? fittingAlternatives(variants, chosen, 'wasm', fitContext) : '';
      if (e instanceof EngineError && e.code === 'too_large' && chosen)
        throw new EngineError('too_large', e.message, alternatives ? `Pick a smaller variant that fits: ${alternatives}.` : e.hint);
      throw e;
    }
  };
  let fit = fitFor(chosen?.bytes ?? inlineBytes);
  const externalData = [...instrumented.externalData];
  const folder = dirOf(onnxPath);
  for (const file of instrumented.info.externalFiles) {
    const path = folder ? `${folder}/${file}` : file;
    const data = await fetcher.get(path, tracker);
    if (!data)
      throw new EngineError(
        'not_found',
        `the graph stores its weights in ${path}, which ${fetcher.label} does not have`,
        'Download the complete repository, including its external-data files (.onnx_data, .onnx.data).',
      );
    externalData.push({ path: file, data });
  }
  if (!chosen) fit = fitFor(inlineBytes + externalData.reduce((n, d) => n + (d.path.startsWith(ORIGINAL_WEIGHTS_PATH) ? 0 : d.data.length), 0));
  if (fit.backend !== backend) {
    backend = fit.backend;
    note = fit.note;
  }

  throwIfCancelled(signal, LOAD_CANCELLED);
  tracker.stage('session', `Creating the ${backend === 'webgpu' ? 'WebGPU' : 'WASM'} session`);
  const files = { model: instrumented.model, externalData };
  const gpuOutputs = instrumented.info.pastInputs.map((p) => p.name.replace('past_key_values', 'present')).concat(instrumented.info.residOutputs);
  let session: QueuedSession;
  try {
    session = await QueuedSession.create(files, backend, gpuOutputs);
  } catch (e) {
    if (backend !== 'webgpu') throw new EngineError('backend', `onnxruntime could not create a session: ${e instanceof Error ? e.message : e}`);
    note = `WebGPU failed to create the session (${e instanceof Error ? e.message.split('\n')[0] : e}), so the model runs on WASM (CPU)`;
    backend = 'wasm';
    throwIfCancelled(signal, LOAD_CANCELLED);
    session = await QueuedSession.create(files, backend);
  }
  // Session creation cannot be interrupted: a load cancelled meanwhile releases the session it made.
  if (signal?.aborted) {
    await session.release();
    throwIfCancelled(signal, LOAD_CANCELLED);
  }

  tracker.stage('tokenizer', 'Loading the tokenizer');
  const tokenizer = buildTokenizer(tokenizerJson!, tokenizerConfig, templateBytes ? decoder.decode(templateBytes) : null);
  if (config.eosTokenIds.length === 0) config.eosTokenIds = tokenizer.eosTokenIds;
  tracker.ready();
  return {
    id: fetcher.label,
    config,
    generationConfig,
    tokenizer,
    session,
    backend,
    backendNote: note,
    variant: buildFolder + onnxPath,
    info: instrumented.info,
  };
}
