/** The engine itself (runs in the worker, or directly in Node): one loaded model, the API's verbs. */
import type {
  CallOptions,
  CaptureRequest,
  CaptureResult,
  EngineApi,
  GenerateEvent,
  GenerateRequest,
  GenerateResult,
  LoadRequest,
  ModelInfo,
  PromptInput,
  TokenizeResult,
} from './api';
import { EngineError, throwIfCancelled } from './errors';
import { captureBatch } from './captureBatch';
import { generate } from './generate';
import { PrefixStore } from './prefixStore';
import { nextTask } from './nextTask';
import { LOAD_CANCELLED, loadModel, type LoadedModel } from './loadModel';
import { fetcherFor, type FileFetcher, type SourceSettings } from './modelSource';
import type { LoadProgress } from './progress';
import type { VariantListing } from './api';
import { inspectVariants } from './loadModel';

export interface EngineSettings extends SourceSettings {
  /** Overrides how sources become fetchers (the CLI reads local folders); `signal` is the load's. */
  fetcher?: (request: LoadRequest, signal?: AbortSignal) => FileFetcher | null;
  /** Keep the last generations' caches and start from them where ids and steering match (prefixStore.ts). Default true. */
  prefixReuse?: boolean;
}

export function modelInfo(m: LoadedModel): ModelInfo {
  return {
    id: m.id,
    modelType: m.config.modelType,
    backend: m.backend,
    backendNote: m.backendNote,
    variant: m.variant,
    exportStyle: m.info.style,
    numLayers: m.info.numLayers,
    hiddenSize: m.info.hiddenSize,
    vocabSize: m.config.vocabSize,
    maxPositions: m.config.maxPositions,
    residualDtype: m.info.residualDtype,
    hookPoints: m.info.hookPoints,
    hasChatTemplate: m.tokenizer.hasChatTemplate,
  };
}

export class Engine implements EngineApi {
  private model: LoadedModel | null = null;
  /** Caches of the last generations on this model (cleared with it). */
  private readonly prefixes = new PrefixStore();
  /** The last conversation's chat-template ids (a slider move re-sends the same messages). */
  private lastChat: { model: LoadedModel; key: string; ids: number[] } | null = null;
  /** Counts load calls, so a cancelled load releases the model only when no later load has started. */
  private loads = 0;

  constructor(private readonly settings: EngineSettings = {}) {}

  /** Facts of the loaded model, or null. */
  get loadedInfo(): ModelInfo | null {
    return this.model ? modelInfo(this.model) : null;
  }

  get loaded(): LoadedModel {
    if (!this.model) throw new EngineError('no_model', 'no model is loaded', 'Load a model first.');
    return this.model;
  }

  /**
   * Loads a model, replacing the one loaded. Aborting `options.signal` stops the downloads and the
   * stages between them; the load fails with EngineError 'cancelled' and leaves no model loaded
   * (the one loaded before is released too, and nothing of the new one is kept).
   */
  async load(request: LoadRequest, onProgress?: (p: LoadProgress) => void, options: CallOptions = {}): Promise<ModelInfo> {
    const { signal } = options;
    const ticket = ++this.loads;
    const fetcher =
      this.settings.fetcher?.(request, signal) ?? fetcherFor(request.source, { ...this.settings, hubHost: request.hubHost ?? this.settings.hubHost }, signal);
    let model: LoadedModel;
    try {
      throwIfCancelled(signal, LOAD_CANCELLED);
      model = await loadModel(fetcher, { backend: request.backend, variant: request.variant, onProgress, signal });
      if (signal?.aborted) {
        await model.session.release();
        throwIfCancelled(signal, LOAD_CANCELLED);
      }
    } catch (e) {
      if (!signal?.aborted) throw EngineError.from(e); // one error type, in Node as across the worker boundary
      // Whatever stopped a cancelled load (a closed connection, a check between stages), it was cancelled.
      if (ticket === this.loads) await this.unload();
      throw new EngineError('cancelled', `${LOAD_CANCELLED} was cancelled`);
    }
    await this.unload();
    this.model = model;
    return modelInfo(model);
  }

  /** The model's ONNX variants with sizes, judged for the backend a load would use; downloads no weights. */
  async listVariants(request: LoadRequest): Promise<VariantListing> {
    const fetcher = this.settings.fetcher?.(request) ?? fetcherFor(request.source, { ...this.settings, hubHost: request.hubHost ?? this.settings.hubHost });
    try {
      return await inspectVariants(fetcher, request.backend ?? 'auto');
    } catch (e) {
      throw EngineError.from(e);
    }
  }

  async unload(): Promise<void> {
    const m = this.model;
    this.model = null;
    this.prefixes.clear();
    await m?.session.release();
  }

  promptIds(prompt: PromptInput): number[] {
    const m = this.loaded;
    const ids = 'ids' in prompt ? prompt.ids : 'text' in prompt ? m.tokenizer.encode(prompt.text) : this.chatIds(m, prompt.messages);
    if (ids.length === 0) throw new EngineError('bad_input', 'the prompt is empty', 'Type a message first.');
    if (ids.length >= m.config.maxPositions) {
      throw new EngineError(
        'bad_input',
        `the prompt has ${ids.length} tokens; this model's context holds ${m.config.maxPositions}`,
        'Shorten the conversation or start a new one.',
      );
    }
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= m.config.vocabSize) {
        throw new EngineError('bad_input', `token id ${id} is outside the vocabulary (0..${m.config.vocabSize - 1})`);
      }
    }
    return ids;
  }

  private chatIds(m: LoadedModel, messages: Parameters<LoadedModel['tokenizer']['chat']>[0]): number[] {
    const key = JSON.stringify(messages);
    if (this.lastChat?.model === m && this.lastChat.key === key) return [...this.lastChat.ids];
    const ids = m.tokenizer.chat(messages, true);
    this.lastChat = { model: m, key, ids };
    return ids;
  }

  async tokenize(prompt: PromptInput): Promise<TokenizeResult> {
    const ids = this.promptIds(prompt);
    return { ids, tokens: ids.map((id) => this.loaded.tokenizer.decode([id], false)) };
  }

  async capture(request: CaptureRequest, options: CallOptions = {}): Promise<CaptureResult> {
    throwIfCancelled(options.signal);
    const m = this.loaded;
    const { numLayers: L, hiddenSize: H } = m.info;
    const rows = request.rows.map((r) => {
      const prompt = this.promptIds(r.prompt);
      const response = r.response ? m.tokenizer.encode(r.response, false) : [];
      return { ids: [...prompt, ...response], promptLength: prompt.length };
    });
    if (rows.length === 0) return { rows: [], numRows: L + 1, hiddenSize: H };
    const captured = await captureBatch(
      m,
      rows.map((r) => r.ids),
      {
        steering: request.rows.map((r) => r.steering ?? null),
        positions: request.positions,
        logits: request.includeLogits ?? false,
        resid: request.includeResid !== false,
      },
    );
    throwIfCancelled(options.signal);
    return {
      numRows: L + 1,
      hiddenSize: H,
      rows: rows.map((r, b) => ({
        ids: r.ids,
        tokens: r.ids.map((id) => m.tokenizer.decode([id], false)),
        promptLength: r.promptLength,
        resid: captured[b].resid,
        logits: captured[b].logits,
      })),
    };
  }

  async generate(request: GenerateRequest, onEvent?: (e: GenerateEvent) => void, options: CallOptions = {}): Promise<GenerateResult> {
    const { signal } = options;
    const m = this.loaded;
    const { numLayers: L, hiddenSize: H } = m.info;
    const prompts = request.rows.map((r) => this.promptIds(r.prompt));
    const maxNew = Math.max(0, Math.min(request.maxNewTokens, m.config.maxPositions - Math.max(...prompts.map((p) => p.length))));
    let probes: { data: Float32Array; k: number } | undefined;
    if (request.probes?.length) {
      const K = request.probes.length;
      const data = new Float32Array((L + 1) * K * H);
      request.probes.forEach((v, k) => {
        if (v.length !== (L + 1) * H) throw new EngineError('bad_input', `probe ${k} has ${v.length} values; expected (L+1)·hidden = ${(L + 1) * H}`);
        for (let r = 0; r <= L; r++) data.set(v.subarray(r * H, (r + 1) * H), (r * K + k) * H);
      });
      probes = { data, k: K };
    }
    const texts = prompts.map(() => '');
    const generated: number[][] = prompts.map(() => []);
    const result = await generate(m, {
      prompts,
      steering: request.rows.map((r) => r.steering),
      positions: request.positions,
      maxNewTokens: maxNew,
      sampling: request.sampling,
      seed: request.seed,
      rowSeeds: request.rows.map((r) => r.seed),
      probes,
      isCancelled: () => signal?.aborted ?? false,
      betweenSteps: signal ? nextTask : undefined,
      prefixes: this.settings.prefixReuse === false ? undefined : this.prefixes,
      onStep: (step) => {
        const deltas = step.tokens.map((t, b) => {
          if (t < 0) return '';
          generated[b].push(t);
          const text = m.tokenizer.decode(generated[b], true);
          const delta = text.startsWith(texts[b]) ? text.slice(texts[b].length) : text;
          texts[b] = text;
          return delta;
        });
        let projections: number[][][] | undefined;
        if (step.projections && probes) {
          const K = probes.k;
          projections = prompts.map((_, b) =>
            Array.from({ length: L + 1 }, (_, r) => Array.from(step.projections!.subarray((b * (L + 1) + r) * K, (b * (L + 1) + r + 1) * K))),
          );
        }
        onEvent?.({ type: 'token', step: step.step, tokens: step.tokens, deltas, projections });
      },
    });
    return {
      rows: result.tokens.map((tokens, b) => ({
        promptIds: prompts[b],
        tokenIds: tokens,
        text: tokens.length ? m.tokenizer.decode(tokens, true) : '',
        finish: result.finish[b],
      })),
    };
  }
}
