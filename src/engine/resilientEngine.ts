/**
 * The page's engine handle: an EngineClient that restarts its worker when it dies or loses its
 * WebGPU device, reloads the last model (on WASM once WebGPU has failed twice), and says so.
 * The call that was running fails with the cause; callers retry or resume from stored state.
 */
import type { EngineApi, LoadRequest, ModelInfo } from './api';
import type { EngineClient } from './client';
import type { EngineError } from './errors';

export interface RestartNotice {
  /** What happened and what the lab did about it, in one sentence for the user. */
  message: string;
  /** The model after the restart (null when none was loaded or reloading failed). */
  model: ModelInfo | null;
}

const GPU_FAILURES_BEFORE_WASM = 2;

export class ResilientEngine implements EngineApi {
  private client: EngineClient;
  private lastLoad: LoadRequest | null = null;
  private lastBackend: ModelInfo['backend'] | null = null;
  private gpuFailures = 0;
  private recovering: Promise<void> = Promise.resolve();
  restarts = 0;

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
    if (!this.lastLoad) {
      this.onRestart?.({ message: `${error.message}. The engine restarted.`, model: null });
      return;
    }
    if (this.lastBackend === 'webgpu') this.gpuFailures++;
    const toWasm = this.gpuFailures >= GPU_FAILURES_BEFORE_WASM && this.lastBackend === 'webgpu';
    const request: LoadRequest = toWasm ? { ...this.lastLoad, backend: 'wasm' } : this.lastLoad;
    try {
      const model = await this.client.load(request);
      this.lastLoad = request;
      this.lastBackend = model.backend;
      this.onRestart?.({
        message: `${error.message}. The engine restarted${toWasm ? ' on WASM after repeated WebGPU failures' : ''} and reloaded the model.`,
        model,
      });
    } catch (e) {
      this.onRestart?.({ message: `${error.message}. The engine restarted, but reloading the model failed: ${(e as Error).message}`, model: null });
    }
  }

  /** Resolves once any restart in progress has finished. */
  async ready(): Promise<void> {
    await this.recovering;
  }

  load: EngineApi['load'] = async (request, onProgress) => {
    await this.ready();
    const info = await this.client.load(request, onProgress);
    this.lastLoad = request;
    this.lastBackend = info.backend;
    return info;
  };

  /** A model's variants with sizes (needs no loaded model; downloads no weights). */
  listVariants = async (request: LoadRequest) => (await this.ready(), this.client.listVariants(request));

  unload: EngineApi['unload'] = async () => {
    await this.ready();
    this.lastLoad = null;
    this.lastBackend = null;
    return this.client.unload();
  };

  tokenize: EngineApi['tokenize'] = async (p) => (await this.ready(), this.client.tokenize(p));
  capture: EngineApi['capture'] = async (r) => (await this.ready(), this.client.capture(r));
  generate: EngineApi['generate'] = async (r, onEvent, streamId) => (await this.ready(), this.client.generate(r, onEvent, streamId));
  cancel: EngineApi['cancel'] = async (id) => this.client.cancel(id);

  nextStreamId(): string {
    return this.client.nextStreamId();
  }

  debug(action: 'crash' | 'loseDevice'): Promise<void> {
    return this.client.debug(action);
  }
}
