/**
 * The page's engine: an EngineClient that restarts its worker when it dies or loses its WebGPU
 * device, reloads the model it had (on WASM once WebGPU has failed twice), and runs the
 * interrupted call once more on the new worker. A call interrupted twice, or one whose model could
 * not be reloaded, fails with an error that names the call to run again. Every verb takes this
 * path, so what the fault tests prove is what the lab ships (docs/ARCHITECTURE.md §6).
 */
import type { CallOptions, EngineApi, GenerateEvent, LoadRequest, ModelInfo } from './api';
import { EngineStopped, type EngineClient } from './client';
import { EngineError } from './errors';

export interface RestartNotice {
  /** 'restarting': the worker stopped and a new one is starting; 'restarted': recovery finished. */
  phase: 'restarting' | 'restarted';
  /** What happened and what the lab did about it, in one sentence for the user. */
  message: string;
  /** The model after the restart (null while restarting, when none was loaded, or when reloading failed). */
  model: ModelInfo | null;
}

const GPU_FAILURES_BEFORE_WASM = 2;

export class ResilientEngine implements EngineApi {
  private client: EngineClient;
  private lastLoad: LoadRequest | null = null;
  private lastBackend: ModelInfo['backend'] | null = null;
  private gpuFailures = 0;
  private recovering: Promise<void> = Promise.resolve();
  /** The model the engine holds (null when none, or when a reload after a restart failed). */
  model: ModelInfo | null = null;
  restarts = 0;
  /** Counts load calls: only the latest load's cancel forgets the model. */
  private loads = 0;

  constructor(
    private readonly createClient: () => EngineClient,
    private readonly onRestart?: (notice: RestartNotice) => void,
  ) {
    this.client = this.attach(createClient());
  }

  private attach(client: EngineClient): EngineClient {
    client.onCrash = (error) => {
      this.recovering = this.recover(error);
    };
    return client;
  }

  private async recover(error: EngineError): Promise<void> {
    const old = this.client;
    old.onCrash = undefined;
    old.terminate();
    this.restarts++;
    this.client = this.attach(this.createClient());
    const hadModel = this.lastLoad !== null;
    this.model = null;
    this.onRestart?.({ phase: 'restarting', message: `${error.message}. Restarting the engine${hadModel ? ' and reloading the model' : ''}…`, model: null });
    if (!this.lastLoad) {
      this.onRestart?.({ phase: 'restarted', message: `${error.message}. The engine restarted.`, model: null });
      return;
    }
    if (this.lastBackend === 'webgpu') this.gpuFailures++;
    const toWasm = this.gpuFailures >= GPU_FAILURES_BEFORE_WASM && this.lastBackend === 'webgpu';
    const request: LoadRequest = toWasm ? { ...this.lastLoad, backend: 'wasm' } : this.lastLoad;
    try {
      const model = await this.client.load(request);
      this.lastLoad = request;
      this.lastBackend = model.backend;
      this.model = model;
      this.onRestart?.({
        phase: 'restarted',
        message: `${error.message}. The engine restarted${toWasm ? ' on WASM after repeated WebGPU failures' : ''} and reloaded the model.`,
        model,
      });
    } catch (e) {
      this.onRestart?.({
        phase: 'restarted',
        message: `${error.message}. The engine restarted, but reloading the model failed: ${(e as Error).message}`,
        model: null,
      });
    }
  }

  /** Resolves once any restart in progress has finished. */
  async ready(): Promise<void> {
    await this.recovering;
  }

  /**
   * Runs `call` on the current worker; if the worker stops under it, waits for the restart and
   * runs it once more. `what` names the call in the error for the user ("the generation").
   */
  private async retried<T>(what: string, call: (client: EngineClient) => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.ready();
    try {
      return await call(this.client);
    } catch (first) {
      if (!(first instanceof EngineStopped)) throw first;
      await this.ready();
      if (signal?.aborted) throw new EngineError('cancelled', `${what} was cancelled while the engine restarted`);
      if (this.lastLoad && !this.model) {
        throw new EngineError(
          first.code,
          `${first.message}; the engine restarted but could not reload the model, so ${what} did not run`,
          `Load the model again (Model panel), then run ${what} again.`,
        );
      }
      try {
        return await call(this.client);
      } catch (second) {
        if (!(second instanceof EngineStopped)) throw second;
        await this.ready();
        throw new EngineError(
          second.code,
          `${second.message}; the engine stopped twice during ${what} and restarted${this.model ? ' with the model reloaded' : ''}`,
          `Run ${what} again; if it stops the engine every time, ask for less at once (fewer rows, questions or tokens) or choose the WASM backend.`,
        );
      }
    }
  }

  /**
   * A cancelled load is no crash: it is not run again, and it leaves no model (the worker released
   * its own; one that a restart during the load reloaded is unloaded here).
   */
  load: EngineApi['load'] = async (request, onProgress, options: CallOptions = {}) => {
    const ticket = ++this.loads;
    const restarts = this.restarts;
    let info: ModelInfo;
    try {
      info = await this.retried('loading the model', (c) => c.load(request, onProgress, options), options.signal);
    } catch (e) {
      if (e instanceof EngineError && e.code === 'cancelled' && !(e instanceof EngineStopped) && ticket === this.loads) {
        const reloaded = this.restarts !== restarts && this.model !== null;
        this.lastLoad = null;
        this.lastBackend = null;
        this.model = null;
        if (reloaded) await this.client.unload().catch(() => undefined);
      }
      throw e;
    }
    this.lastLoad = request;
    this.lastBackend = info.backend;
    this.model = info;
    return info;
  };

  /** A model's variants with sizes (needs no loaded model; downloads no weights). */
  listVariants = async (request: LoadRequest) => (await this.ready(), this.client.listVariants(request));

  unload: EngineApi['unload'] = async () => {
    await this.ready();
    this.lastLoad = null;
    this.lastBackend = null;
    this.model = null;
    return this.client.unload();
  };

  tokenize: EngineApi['tokenize'] = (prompt) => this.retried('tokenizing', (c) => c.tokenize(prompt));

  capture: EngineApi['capture'] = (request, options: CallOptions = {}) =>
    this.retried('the capture (activations pass)', (c) => c.capture(request, options), options.signal);

  /**
   * A generation is run again from its start with the same seeds, so it makes the same tokens on
   * the same backend; the steps the caller has already seen are not streamed twice.
   */
  generate: EngineApi['generate'] = (request, onEvent, options: CallOptions = {}) => {
    let seen = 0;
    const stream =
      onEvent &&
      ((e: GenerateEvent) => {
        if (e.step < seen) return;
        seen = e.step + 1;
        onEvent(e);
      });
    return this.retried('the generation', (c) => c.generate(request, stream, options), options.signal);
  };

  /** Fault injection for tests: crash the worker, or lose the WebGPU device. */
  debug(action: 'crash' | 'loseDevice'): Promise<void> {
    return this.client.debug(action);
  }
}
