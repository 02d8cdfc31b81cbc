/**
 * Engine calls the pipeline makes, with cancellation: the AbortSignal goes to the engine, which
 * stops a generation within one step and a capture at its pass; a cancelled call throws
 * PipelineError 'cancelled'.
 */
import type { CaptureRequest, CapturedRow, EngineApi, GenerateRequest, GeneratedRow } from '../../engine/api';
import { checkCancelled } from './progress';

/** engine.generate, cancelled when `signal` fires; throws PipelineError 'cancelled' then. */
export async function generateRows(engine: EngineApi, request: GenerateRequest, signal?: AbortSignal): Promise<GeneratedRow[]> {
  checkCancelled(signal);
  const result = await engine.generate(request, undefined, { signal });
  checkCancelled(signal);
  return result.rows;
}

export async function captureRows(engine: EngineApi, request: CaptureRequest, signal?: AbortSignal): Promise<CapturedRow[]> {
  checkCancelled(signal);
  const result = await engine.capture(request, { signal }).catch((e) => {
    checkCancelled(signal); // an engine stopped by the signal: the pipeline's own 'cancelled'
    throw e;
  });
  checkCancelled(signal);
  return result.rows;
}
