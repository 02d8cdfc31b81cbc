/**
 * Whether a model fits the chosen backend, decided from facts of its graph and the runtime's
 * capabilities: falls back to WASM with the reason, or refuses with the limit it would break.
 */
import { EngineError } from './errors';
import type { Backend, Capabilities } from './ort';

export interface BackendFitFacts {
  /** The graph computes in float16 (residual stream or KV cache). */
  halfPrecision: boolean;
  largestTensor: { name: string; bytes: number };
  /** Bytes of the model and its external data together. */
  totalBytes: number;
}

/** wasm32 can address 4 GiB; ORT needs room for activations beside the weights. */
export const WASM_MODEL_LIMIT = 3.5 * 2 ** 30;

const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;

export function fitBackend(backend: Backend, caps: Capabilities, facts: BackendFitFacts): { backend: Backend; note: string | null } {
  if (backend === 'webgpu' && facts.halfPrecision && !caps.shaderF16) {
    backend = 'wasm';
    const note = 'this model computes in float16 and the WebGPU adapter lacks shader-f16, so it runs on WASM (CPU)';
    return { ...checkWasm(facts), note };
  }
  if (backend === 'webgpu' && caps.maxBufferSize > 0 && facts.largestTensor.bytes > caps.maxBufferSize) {
    const note = `the weight tensor ${facts.largestTensor.name} (${mb(facts.largestTensor.bytes)}) exceeds this GPU's maxStorageBufferBindingSize (${mb(caps.maxBufferSize)}), so the model runs on WASM (CPU)`;
    return { ...checkWasm(facts), note };
  }
  return backend === 'wasm' ? { ...checkWasm(facts), note: null } : { backend, note: null };
}

function checkWasm(facts: BackendFitFacts): { backend: Backend } {
  if (facts.totalBytes > WASM_MODEL_LIMIT) {
    throw new EngineError(
      'too_large',
      `the model needs ${mb(facts.totalBytes)}, more than WASM can hold (4 GB address space, about ${mb(WASM_MODEL_LIMIT)} for weights)`,
      'Pick a smaller or quantised variant (model_q4, model_q4f16), or a browser with WebGPU and shader-f16.',
    );
  }
  return { backend: 'wasm' };
}
