/**
 * One error type that crosses the worker boundary as plain data (name, code, message, hint) and is
 * rebuilt on the page. The UI shows message and hint, never a stack.
 */

export type EngineErrorCode =
  'not_found' | 'network' | 'bad_model' | 'not_instrumentable' | 'too_large' | 'bad_input' | 'cancelled' | 'backend' | 'no_model' | 'internal';

export interface EngineErrorData {
  name: 'EngineError';
  code: EngineErrorCode;
  message: string;
  hint?: string;
}

export class EngineError extends Error {
  override readonly name = 'EngineError';

  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }

  toData(): EngineErrorData {
    return { name: 'EngineError', code: this.code, message: this.message, hint: this.hint };
  }

  static fromData(d: EngineErrorData): EngineError {
    return new EngineError(d.code, d.message, d.hint);
  }

  /** Wraps anything thrown into an EngineError, keeping known errors' meaning. */
  static from(e: unknown): EngineError {
    if (e instanceof EngineError) return e;
    const err = e instanceof Error ? e : new Error(String(e));
    switch (err.name) {
      case 'InstrumentationError':
        return new EngineError(
          'not_instrumentable',
          err.message,
          'Persona Lab supports decoder LLM exports from the Hugging Face Hub (optimum/torch.onnx or onnxruntime-genai builder).',
        );
      case 'OnnxFormatError':
      case 'ProtobufError':
        return new EngineError('bad_model', err.message);
      case 'AbortError':
        return new EngineError('cancelled', 'cancelled');
      default:
        return new EngineError('internal', err.message);
    }
  }
}

/** Throws EngineError 'cancelled' ("<what> was cancelled") once `signal` has been aborted. */
export function throwIfCancelled(signal: AbortSignal | undefined, what = 'the call'): void {
  if (signal?.aborted) throw new EngineError('cancelled', `${what} was cancelled`);
}
