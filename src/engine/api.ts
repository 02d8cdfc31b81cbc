/**
 * The engine's API, implemented by the in-worker Engine and by the page-side EngineClient, so UI
 * code never knows where the engine runs. Everything here is plain, structured-clonable data.
 */
import type { ModelSource } from './modelSource';
import type { LoadProgress } from './progress';
import type { SamplingSettings } from './sampling';
import type { PositionMode, SteeringTerm } from './steering';
export { POSITION_MODES } from './steering';
import type { ChatMessage } from './tokenizer';
import type { Backend } from './ort';
import type { HookName } from './hooks';

export type { ModelSource, LoadProgress, SamplingSettings, PositionMode, SteeringTerm, ChatMessage, Backend, HookName };

export interface LoadRequest {
  source: ModelSource;
  backend?: Backend | 'auto';
  variant?: string;
  /** Hub host for Hub ids (a mirror, or a local server in tests); default https://huggingface.co. */
  hubHost?: string;
}

export interface ModelInfo {
  id: string;
  modelType: string;
  backend: Backend;
  /** Why the backend differs from the preferred one, if it does. */
  backendNote: string | null;
  variant: string;
  exportStyle: 'fused' | 'decomposed';
  numLayers: number;
  hiddenSize: number;
  vocabSize: number;
  maxPositions: number;
  residualDtype: string;
  hookPoints: HookName[];
  hasChatTemplate: boolean;
}

/** A conversation to render with the chat template, plain text (a base model's prompt), or raw token ids. */
export type PromptInput = { messages: ChatMessage[] } | { text: string } | { ids: number[] };

export interface GenerateRow {
  prompt: PromptInput;
  /** null = unsteered. */
  steering: SteeringTerm[] | null;
  /**
   * This row's sampling seed; default the request's seed. Rows on one seed draw the same random
   * numbers, so [unsteered, steered] replies differ only by the steering; independent samples (a
   * dataset of rollouts) need a seed each.
   */
  seed?: number;
}

export interface GenerateRequest {
  rows: GenerateRow[];
  positions?: PositionMode;
  maxNewTokens: number;
  sampling?: SamplingSettings;
  seed?: number;
  /** Unit probe vectors, one per trait: each [L+1, hidden] flattened; projections are streamed. */
  probes?: Float32Array[];
}

export type GenerateEvent = {
  type: 'token';
  step: number;
  /** New token id per row (-1 when the row already finished) and its decoded text delta. */
  tokens: number[];
  deltas: string[];
  /** [B][L+1][K] projections of the position that produced the token (when probes were given). */
  projections?: number[][][];
};

export interface GeneratedRow {
  promptIds: number[];
  tokenIds: number[];
  text: string;
  finish: 'stop' | 'length' | 'cancelled';
}

export interface GenerateResult {
  rows: GeneratedRow[];
}

export interface CaptureRow {
  prompt: PromptInput;
  /** Text appended after the prompt (a response to read activations over). */
  response?: string;
  steering?: SteeringTerm[] | null;
}

export interface CaptureRequest {
  rows: CaptureRow[];
  positions?: PositionMode;
  /** true: logits of every position; 'last': only the next-token logits after the last token. */
  includeLogits?: boolean | 'last';
  /** false skips the residual readout (e.g. a judge that needs only next-token logits). */
  includeResid?: boolean;
}

export interface CapturedRow {
  ids: number[];
  tokens: string[];
  /** Number of prompt tokens; the response occupies [promptLength, ids.length). */
  promptLength: number;
  /** [L+1, T, hidden] float32: row 0 = embed, row l+1 = blocks.{l}.resid_post (empty when includeResid is false). */
  resid: Float32Array;
  /** [T, vocab] float32 (or [vocab] with includeLogits 'last'), when asked for. */
  logits?: Float32Array;
}

export interface CaptureResult {
  rows: CapturedRow[];
  numRows: number;
  hiddenSize: number;
}

export interface TokenizeResult {
  ids: number[];
  tokens: string[];
}

/**
 * Options of the calls that can take long. Aborting `signal` stops the call: a generation within
 * one step (its rows finish 'cancelled', with the tokens made so far); a capture before or right
 * after its forward pass (it fails with EngineError 'cancelled'); a load within its download (the
 * connection is closed) or between its stages (it fails with EngineError 'cancelled' and leaves no
 * model loaded). Aborting a finished call does nothing. The caller owns the signal: the engine
 * keeps no record of it once the call returns.
 */
export interface CallOptions {
  signal?: AbortSignal;
}

/** The engine's verbs. Streams push events through the callback; long calls stop on an AbortSignal. */
export interface EngineApi {
  load(request: LoadRequest, onProgress?: (p: LoadProgress) => void, options?: CallOptions): Promise<ModelInfo>;
  unload(): Promise<void>;
  tokenize(prompt: PromptInput): Promise<TokenizeResult>;
  capture(request: CaptureRequest, options?: CallOptions): Promise<CaptureResult>;
  generate(request: GenerateRequest, onEvent?: (e: GenerateEvent) => void, options?: CallOptions): Promise<GenerateResult>;
}

/** One ONNX variant of a repository, judged for this engine's backend before anything is downloaded. */
export interface VariantInfo {
  /** What to pick: a dtype (q4, fp16, …) or a builder folder; pass it as LoadRequest.variant. */
  name: string;
  /** The graph file's path in the repository. */
  onnxPath: string;
  /** The graph and its external-data files, with their sizes in bytes. */
  files: { path: string; bytes: number }[];
  bytes: number;
  /** Where it would run; differs from the listing's backend when e.g. float16 needs shader-f16. */
  backend: Backend;
  note: string | null;
  /** Why it cannot run here (too big for WASM, …) and what would fit; null when it can. */
  refusal: string | null;
}

export interface VariantListing {
  id: string;
  /** The backend the listing was judged for (the one a load with the same request would use). */
  backend: Backend;
  variants: VariantInfo[];
  /** The variant a load without a choice takes; null when none can run (then `refusal` says why). */
  defaultVariant: string | null;
  refusal: string | null;
}

/** Lists a model's variants with sizes, reading only small JSON files and file sizes. */
export interface VariantLister {
  listVariants(request: LoadRequest): Promise<VariantListing>;
}
