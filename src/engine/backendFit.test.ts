import { describe, expect, it } from 'vitest';
import { fitBackend, WASM_MODEL_LIMIT } from './backendFit';
import { EngineError } from './errors';
import type { Capabilities } from './ort';

const gpu: Capabilities = { webgpu: true, shaderF16: false, maxBufferSize: 128 * 2 ** 20, threads: true };
const small = { halfPrecision: false, largestTensor: { name: 'lm_head.weight', bytes: 2 ** 20 }, totalBytes: 10 * 2 ** 20 };

describe('fitBackend', () => {
  it('keeps WebGPU when the model fits', () => {
    expect(fitBackend('webgpu', gpu, small)).toEqual({ backend: 'webgpu', note: null });
  });

  it('moves a float16 model to WASM when the adapter lacks shader-f16, and says so', () => {
    const fit = fitBackend('webgpu', gpu, { ...small, halfPrecision: true });
    expect(fit.backend).toBe('wasm');
    expect(fit.note).toContain('shader-f16');
    expect(fitBackend('webgpu', { ...gpu, shaderF16: true }, { ...small, halfPrecision: true }).backend).toBe('webgpu');
  });

  it('names the tensor and the buffer limit when a weight does not fit one GPU buffer', () => {
    const fit = fitBackend('webgpu', gpu, { ...small, largestTensor: { name: 'model.embed_tokens.weight', bytes: 300 * 2 ** 20 } });
    expect(fit.backend).toBe('wasm');
    expect(fit.note).toContain('model.embed_tokens.weight (300 MB)');
    expect(fit.note).toContain('maxStorageBufferBindingSize (128 MB)');
  });

  it('refuses a model WASM cannot hold with a too_large error that says the limit', () => {
    let error: unknown;
    try {
      fitBackend('wasm', gpu, { ...small, totalBytes: WASM_MODEL_LIMIT + 1 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('too_large');
    expect((error as EngineError).message).toContain('4 GB');
  });
});
