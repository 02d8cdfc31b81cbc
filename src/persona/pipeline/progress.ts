/** Progress with counts and an ETA, for one pipeline step. */
import { PipelineError, type PipelineContext, type PipelineStep } from './types';

export class PipelineProgressTracker {
  private readonly start = Date.now();
  private computed = 0;
  done = 0;
  skipped = 0;

  constructor(
    private readonly ctx: Pick<PipelineContext, 'onProgress'>,
    readonly step: PipelineStep,
    readonly total: number,
    readonly phase?: string,
  ) {}

  /** Items found in storage: counted as done, left out of the rate. */
  skip(n: number, message?: string): void {
    this.skipped += n;
    this.done += n;
    this.emit(message);
  }

  /** Items computed now. */
  advance(n: number, message?: string): void {
    this.computed += n;
    this.done += n;
    this.emit(message);
  }

  emit(message?: string): void {
    const elapsedMs = Date.now() - this.start;
    const left = Math.max(0, this.total - this.done);
    const etaMs = left === 0 ? 0 : this.computed > 0 ? (elapsedMs / this.computed) * left : null;
    this.ctx.onProgress?.({ step: this.step, phase: this.phase, done: this.done, total: this.total, skipped: this.skipped, elapsedMs, etaMs, message });
  }
}

/** Throws PipelineError 'cancelled' when the signal has fired. */
export function checkCancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw new PipelineError('cancelled', 'the pipeline was cancelled', 'Run it again to resume from what was stored.');
}

/** Splits items into chunks of at most `size`. */
export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
