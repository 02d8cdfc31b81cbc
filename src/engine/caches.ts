/**
 * The decoder's caches, read from the session's own declarations: every `past_*` input (key/value
 * pairs `past_key_values.{i}.key/value`, hybrid conv states `past_conv.{i}`, SSM and recurrent
 * states `past_ssm.{i}`, `past_recurrent.{i}`, …) with the output that carries it forward. Empty
 * caches come from the input metadata: numeric dims kept, the batch dim set to B, other symbols to
 * 0 — except where config.json tells a symbolic head count, head size or conv width.
 */
import { EngineError } from './errors';
import { ort, type Tensor } from './ort';

export type CacheKind = 'key_value' | 'conv' | 'state';

export interface CacheSpec {
  /** The input fed with the cache (`past_…`). */
  past: string;
  /** The output that holds it after a pass (`present…`). */
  present: string;
  kind: CacheKind;
  dtype: ort.Tensor.Type;
  /** Declared dims: numbers, or symbols such as 'batch_size', 'past_sequence_length'. */
  shape: readonly (number | string)[];
}

/** Sizes config.json gives for dims an export may leave symbolic. */
export interface CacheHints {
  kvHeads?: number;
  headDim?: number;
  hidden?: number;
  /** Width of a hybrid model's convolution state (LFM2's conv_L_cache). */
  convLength?: number;
}

/** What a session declares: its input and output names and the inputs' types and shapes. */
export interface SessionDeclarations {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly ort.InferenceSession.ValueMetadata[];
}

/** Hybrid caches first, then the standard one: `present_conv.3` → `past_conv.3`, `present.0.key` → `past_key_values.0.key`. */
const PRESENT_TO_PAST: [string, string][] = [
  ['present_conv', 'past_conv'],
  ['present_ssm', 'past_ssm'],
  ['present_recurrent', 'past_recurrent'],
  ['present', 'past_key_values'],
];

/** The input an output feeds on the next pass, or null when it is not a cache output. */
export function pastNameOf(output: string): string | null {
  for (const [present, past] of PRESENT_TO_PAST) if (output.startsWith(present)) return past + output.slice(present.length);
  return null;
}

export function isCacheInput(name: string): boolean {
  return name.startsWith('past_');
}

function kindOf(past: string): CacheKind {
  if (past.startsWith('past_key_values')) return 'key_value';
  if (past.startsWith('past_conv')) return 'conv';
  return 'state';
}

/** Every cache the graph declares, paired with its output; a cache without one is refused by name. */
export function cacheSpecs(decl: SessionDeclarations): CacheSpec[] {
  const presentOf = new Map<string, string>();
  for (const out of decl.outputNames) {
    const past = pastNameOf(out);
    if (past) presentOf.set(past, out);
  }
  const specs: CacheSpec[] = [];
  for (const meta of decl.inputMetadata) {
    if (!isCacheInput(meta.name)) continue;
    const present = presentOf.get(meta.name);
    if (!present) {
      throw new EngineError(
        'bad_model',
        `the graph takes a cache input "${meta.name}" but has no output that carries it forward (expected a "present…" output for it)`,
        'This export cannot generate with a cache; use a decoder export with past/present pairs.',
      );
    }
    if (!meta.isTensor) throw new EngineError('bad_model', `the cache input "${meta.name}" is not a tensor`);
    specs.push({ past: meta.name, present, kind: kindOf(meta.name), dtype: meta.type, shape: meta.shape });
  }
  return specs;
}

/** Reads the sizes a symbolic cache dim may need from config.json (or its text_config). */
export function cacheHintsFromConfig(config: Record<string, unknown>): CacheHints {
  const text = (config.text_config ?? {}) as Record<string, unknown>;
  const num = (key: string): number | undefined => {
    const v = config[key] ?? text[key];
    return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
  };
  const hidden = num('hidden_size') ?? num('n_embd') ?? num('d_model');
  const heads = num('num_attention_heads') ?? num('n_head');
  return {
    kvHeads: num('num_key_value_heads') ?? heads,
    headDim: num('head_dim') ?? (hidden && heads ? hidden / heads : undefined),
    hidden,
    convLength: num('conv_L_cache'),
  };
}

/** The shape of an empty cache for a batch of B rows. */
export function emptyShape(spec: CacheSpec, batch: number, hints: CacheHints = {}): number[] {
  if (spec.shape.length === 0) throw new EngineError('bad_model', `the cache input "${spec.past}" declares no shape, so an empty cache cannot be built`);
  return spec.shape.map((d, i) => {
    if (typeof d === 'number') return d;
    if (i === 0) return batch;
    if (spec.kind === 'key_value') {
      if (i === 1) return hints.kvHeads ?? 0;
      if (i === 3) return hints.headDim ?? 0;
      return 0; // the past length
    }
    if (spec.kind === 'conv') {
      const size = i === 1 ? hints.hidden : i === 2 ? hints.convLength : undefined;
      if (size === undefined) {
        throw new EngineError(
          'bad_model',
          `cannot tell dim ${i} ("${d}") of the conv cache "${spec.past}"`,
          'config.json should give hidden_size and conv_L_cache.',
        );
      }
      return size;
    }
    return 0;
  });
}

type ZeroArray = Float32Array | Uint16Array | BigInt64Array | Int32Array | Uint8Array | Float64Array;

function zeros(dtype: ort.Tensor.Type, size: number): ZeroArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float16':
      return new Uint16Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int64':
      return new BigInt64Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'bool':
    case 'uint8':
      return new Uint8Array(size);
    default:
      throw new EngineError('bad_model', `cache inputs of type ${dtype} are not supported`);
  }
}

/** The caches of a batch: what the last pass's present outputs held, fed back as past (on the GPU with WebGPU). */
export class KvCache {
  constructor(
    /** By input name (`past_…`). */
    readonly tensors: Record<string, Tensor>,
    /** Positions the attention caches hold (the attention mask's width before the next pass). */
    readonly length: number,
  ) {}

  /** Empty caches for B rows, shaped from what the model's session declares. */
  static empty(model: { session: SessionDeclarations; config: { cacheHints?: CacheHints } }, batch: number): KvCache {
    return KvCache.fromSpecs(cacheSpecs(model.session), batch, model.config.cacheHints);
  }

  /** Zero-length key/value caches and zero-filled fixed-size states (conv, SSM) for B rows. */
  static fromSpecs(specs: CacheSpec[], batch: number, hints: CacheHints = {}): KvCache {
    const tensors: Record<string, Tensor> = {};
    for (const spec of specs) {
      const shape = emptyShape(spec, batch, hints);
      const data = zeros(
        spec.dtype,
        shape.reduce((a, b) => a * b, 1),
      );
      tensors[spec.past] = new ort.Tensor(spec.dtype, data as Float32Array, shape);
    }
    return new KvCache(tensors, 0);
  }

  dispose(): void {
    for (const t of Object.values(this.tensors)) if (t.location === 'gpu-buffer') t.dispose();
  }
}
