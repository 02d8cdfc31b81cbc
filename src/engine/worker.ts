/// <reference lib="webworker" />
/** The engine worker entry: wiring only. */
import { Engine } from './engine';
import { createHandler } from './handler';
import { configureRuntime } from './ort';
import type { Request } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

const base = new URL(import.meta.env.BASE_URL, self.location.origin);
configureRuntime({ wasmPaths: new URL('ort/', base).href, numThreads: self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1 });
const engine = new Engine({ demoUrl: new URL('models/persona-demo/', base).href });
const handle = createHandler(engine, (r, transfer) => self.postMessage(r, transfer ?? []));
self.onmessage = (e: MessageEvent<Request>) => void handle(e.data);
