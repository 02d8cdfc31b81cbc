/** The page-side engine: same API as the worker's Engine, speaking the protocol underneath. */
import type { CallOptions, EngineApi, GenerateEvent } from './api';
import { EngineError } from './errors';
import type { LoadRequest } from './api';
import type { LoadProgress } from './progress';
import type { Request, RequestMap, RequestType, Response } from './protocol';

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: EngineError) => void;
  onProgress?: (p: LoadProgress) => void;
  onEvent?: (e: GenerateEvent) => void;
}

export interface WorkerLike {
  postMessage(message: unknown): void;
  terminate(): void;
  onmessage: ((e: MessageEvent) => void) | null;
  onerror: ((e: ErrorEvent) => void) | null;
}

/**
 * The error every pending call fails with when the worker dies (an uncaught error, out of memory)
 * or loses its WebGPU device. ResilientEngine tells it from an ordinary failure by this class.
 */
export class EngineStopped extends EngineError {}

export class EngineClient implements EngineApi {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Called when the worker dies (crash, out of memory): every pending call fails with this error. */
  onCrash?: (error: EngineStopped) => void;

  constructor(private readonly worker: WorkerLike) {
    worker.onmessage = (e: MessageEvent<Response>) => this.receive(e.data);
    worker.onerror = (e) =>
      this.crash(
        new EngineStopped('internal', `the engine worker stopped: ${e.message || 'unknown error'}`, 'The lab restarts the engine and reloads the model.'),
      );
  }

  static create(): EngineClient {
    return new EngineClient(new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' }) as unknown as WorkerLike);
  }

  private receive(r: Response): void {
    if (r.kind === 'notice') {
      this.crash(new EngineStopped('backend', r.notice.message, 'The lab restarts the engine and reloads the model.'));
      return;
    }
    const p = this.pending.get(r.id);
    if (!p) return;
    switch (r.kind) {
      case 'progress':
        p.onProgress?.(r.progress);
        break;
      case 'event':
        p.onEvent?.(r.event);
        break;
      case 'result':
        this.pending.delete(r.id);
        p.resolve(r.result);
        break;
      case 'error':
        this.pending.delete(r.id);
        p.reject(EngineError.fromData(r.error));
        break;
    }
  }

  private crash(error: EngineStopped): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    this.onCrash?.(error);
  }

  private post<K extends RequestType>(id: number, type: K, payload: RequestMap[K][0]): void {
    this.worker.postMessage({ id, type, payload } as Request);
  }

  /** Sends one request; aborting `signal` sends the worker a cancel for it until it answers. */
  private call<K extends RequestType>(
    type: K,
    payload: RequestMap[K][0],
    extra: Omit<Pending, 'resolve' | 'reject'> = {},
    signal?: AbortSignal,
  ): Promise<RequestMap[K][1]> {
    const id = this.nextId++;
    const onAbort = () => this.post(this.nextId++, 'cancel', { id });
    const settle =
      <T>(f: (v: T) => void) =>
      (v: T) => {
        signal?.removeEventListener('abort', onAbort);
        f(v);
      };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: settle(resolve as (v: unknown) => void), reject: settle(reject), ...extra });
      this.post(id, type, payload);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Requests that have not answered yet (the client keeps nothing of a call once it settles). */
  get pendingCount(): number {
    return this.pending.size;
  }

  load: EngineApi['load'] = (request, onProgress, options: CallOptions = {}) => this.call('load', request, { onProgress }, options.signal);
  unload: EngineApi['unload'] = () => this.call('unload', {});
  tokenize: EngineApi['tokenize'] = (prompt) => this.call('tokenize', prompt);
  listVariants = (request: LoadRequest) => this.call('variants', request);
  capture: EngineApi['capture'] = (request, options: CallOptions = {}) => this.call('capture', request, {}, options.signal);
  generate: EngineApi['generate'] = (request, onEvent, options: CallOptions = {}) => this.call('generate', request, { onEvent }, options.signal);

  /** Fault injection for tests (crash the worker, or lose the WebGPU device). */
  debug(action: 'crash' | 'loseDevice'): Promise<void> {
    return this.call('debug', { action });
  }

  terminate(): void {
    this.worker.terminate();
    this.crash(new EngineStopped('cancelled', 'the engine was stopped'));
  }
}
