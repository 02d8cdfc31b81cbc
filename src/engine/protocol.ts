/**
 * Every message between the page and the engine worker. A request's `type` fixes its payload;
 * each request has an id; the worker answers with progress/event messages, then one result or
 * error. Errors travel as plain data and become EngineError on the page.
 */
import type { CaptureRequest, CaptureResult, GenerateEvent, GenerateRequest, GenerateResult, LoadRequest, ModelInfo, PromptInput, TokenizeResult } from './api';
import type { EngineErrorData } from './errors';
import type { VariantListing } from './api';
import type { LoadProgress } from './progress';

/** Request type → [payload, result]. */
export interface RequestMap {
  load: [LoadRequest, ModelInfo];
  unload: [Record<string, never>, void];
  tokenize: [PromptInput, TokenizeResult];
  /** A model's ONNX variants with sizes, judged for the backend; downloads no weights. */
  variants: [LoadRequest, VariantListing];
  capture: [CaptureRequest, CaptureResult];
  generate: [GenerateRequest, GenerateResult];
  /** Stops the running load, generate or capture request `id` (its AbortSignal fires); unknown or finished ids are ignored. */
  cancel: [{ id: number }, void];
  /** Fault injection for tests: crash the worker, or destroy the WebGPU device. */
  debug: [{ action: 'crash' | 'loseDevice' }, void];
}

/** Unsolicited news from the worker (id 0). */
export type Notice = { type: 'deviceLost'; message: string };

export type RequestType = keyof RequestMap;

export type Request = { [K in RequestType]: { id: number; type: K; payload: RequestMap[K][0] } }[RequestType];

export type Response =
  | { id: number; kind: 'result'; result: unknown }
  | { id: number; kind: 'error'; error: EngineErrorData }
  | { id: number; kind: 'progress'; progress: LoadProgress }
  | { id: number; kind: 'event'; event: GenerateEvent }
  | { id: 0; kind: 'notice'; notice: Notice };
