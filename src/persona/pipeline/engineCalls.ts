/**
 * Engine calls the pipeline makes, with cancellation: generation is cancelled through the engine's
 * stream id when the AbortSignal fires; captures are short and are checked between batches.
 */
import type { CaptureRequest, CapturedRow, EngineApi, GenerateRequest, GeneratedRow } from '../../engine/api';
import { checkCancelled } from './progress';

let counter = 0;

/** A fresh stream id: the page-side client hands out its own (numeric) ids; the Engine takes any string. */
export function newStreamId(engine: EngineApi): string {
  const e = engine as EngineApi & { nextStreamId?: () => string };
  return typeof e.nextStreamId === 'function' ? e.nextStreamId() : `persona-pipeline-${++counter}`;
}

/** engine.generate, cancelled when `signal` fires; throws PipelineError 'cancelled' then. */
export async function generateRows(engine: EngineApi, request: GenerateRequest, signal?: AbortSignal): Promise<GeneratedRow[]> {
  checkCancelled(signal);
  const streamId = newStreamId(engine);
  const onAbort = () => void engine.cancel(streamId).catch(() => {});
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const result = await engine.generate(request, undefined, streamId);
    checkCancelled(signal);
    return result.rows;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

export async function captureRows(engine: EngineApi, request: CaptureRequest, signal?: AbortSignal): Promise<CapturedRow[]> {
  checkCancelled(signal);
  const result = await engine.capture(request);
  checkCancelled(signal);
  return result.rows;
}
