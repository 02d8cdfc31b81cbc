/** The page-side engine: same API as the worker's Engine, speaking the protocol underneath. */
import type { EngineApi, GenerateEvent } from './api';
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

export class EngineClient implements EngineApi {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Called when the worker dies (crash, out of memory): every pending call fails with this error. */
  onCrash?: (error: EngineError) => void;

  constructor(private readonly worker: WorkerLike) {
    worker.onmessage = (e: MessageEvent<Response>) => this.receive(e.data);
    worker.onerror = (e) => this.crash(new EngineError('internal', `the engine worker stopped: ${e.message || 'unknown error'}`, 'The lab restarts the engine; load the model again if needed.'));
  }

  static create(): EngineClient {
    return new EngineClient(new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' }) as unknown as WorkerLike);
  }

  private receive(r: Response): void {
    if (r.kind === 'notice') {
      this.crash(new EngineError('backend', r.notice.message, 'The lab restarts the engine and reloads the model.'));
      return;
    }
    const p = this.pending.get(r.id);
    if (!p) return;
    switch (r.kind) {
      case 'progress': p.onProgress?.(r.progress); break;
      case 'event': p.onEvent?.(r.event); break;
      case 'result': this.pending.delete(r.id); p.resolve(r.result); break;
      case 'error': this.pending.delete(r.id); p.reject(EngineError.fromData(r.error)); break;
    }
  }

  private crash(error: EngineError): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    this.onCrash?.(error);
  }

  private call<K extends RequestType>(type: K, payload: RequestMap[K][0], extra: Omit<Pending, 'resolve' | 'reject'> = {}, id = this.nextId++): Promise<RequestMap[K][1]> {
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, ...extra });
      this.worker.postMessage({ id, type, payload } as Request);
    });
  }

  load: EngineApi['load'] = (request, onProgress) => this.call('load', request, { onProgress });
  unload: EngineApi['unload'] = () => this.call('unload', {});
  tokenize: EngineApi['tokenize'] = (prompt) => this.call('tokenize', prompt);
  listVariants = (request: LoadRequest) => this.call('variants', request);
  capture: EngineApi['capture'] = (request) => this.call('capture', request);

  /** Starts a generation; `streamId` (returned by `nextStreamId`) cancels it. */
  generate: EngineApi['generate'] = (request, onEvent, streamId) => {
    const id = streamId !== undefined ? Number(streamId) : this.nextId++;
    return this.call('generate', request, { onEvent }, id);
  };

  /** Reserves an id for a stream so it can be cancelled before it finishes. */
  nextStreamId(): string {
    return String(this.nextId++);
  }

  cancel: EngineApi['cancel'] = (streamId) => this.call('cancel', { streamId });

  /** Fault injection for tests (crash the worker, or lose the WebGPU device). */
  debug(action: 'crash' | 'loseDevice'): Promise<void> {
    return this.call('debug', { action });
  }

  terminate(): void {
    this.worker.terminate();
    this.crash(new EngineError('cancelled', 'the engine was stopped'));
  }
}
