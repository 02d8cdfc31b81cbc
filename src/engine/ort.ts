/**
 * The one module that imports onnxruntime-web. Creates sessions on the chosen backend and
 * serialises runs per session (ORT sessions are not re-entrant).
 */
import * as ort from 'onnxruntime-web/webgpu';
import { float16ToFloat32 } from './float16';

export { ort };
export type Tensor = ort.Tensor;
export type Backend = 'webgpu' | 'wasm';

/** What this runtime can do, detected once. */
export interface Capabilities {
  webgpu: boolean;
  shaderF16: boolean;
  /** Max storage buffer binding size of the WebGPU adapter, bytes (0 without WebGPU). */
  maxBufferSize: number;
  threads: boolean;
}

/** Settings for the ORT runtime, set once before the first session. */
export interface RuntimeSettings {
  /** ORT's wasm binary, served by the app itself (never a CDN): a URL prefix or the file's URL. */
  wasmPaths?: string | { wasm: string; mjs: string };
  numThreads?: number;
}

/** The slice of the WebGPU API used for detection (avoids a dependency on @webgpu/types). */
interface MinimalGpu {
  requestAdapter(): Promise<{ features: { has(name: string): boolean }; limits: { maxStorageBufferBindingSize: number } } | null>;
}

let capabilities: Promise<Capabilities> | null = null;

export function detectCapabilities(): Promise<Capabilities> {
  capabilities ??= (async () => {
    const threads = typeof SharedArrayBuffer !== 'undefined' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
    const gpu = (globalThis.navigator as { gpu?: MinimalGpu } | undefined)?.gpu;
    if (!gpu) return { webgpu: false, shaderF16: false, maxBufferSize: 0, threads };
    try {
      const adapter = await gpu.requestAdapter();
      if (!adapter) return { webgpu: false, shaderF16: false, maxBufferSize: 0, threads };
      return { webgpu: true, shaderF16: adapter.features.has('shader-f16'), maxBufferSize: adapter.limits.maxStorageBufferBindingSize, threads };
    } catch {
      return { webgpu: false, shaderF16: false, maxBufferSize: 0, threads };
    }
  })();
  return capabilities;
}

interface MinimalDevice {
  lost: Promise<{ reason: string; message: string }>;
  destroy(): void;
}

/** The GPU device of the WebGPU backend, once a WebGPU session exists (null otherwise). */
export async function webgpuDevice(): Promise<MinimalDevice | null> {
  try {
    return ((await ort.env.webgpu.device) as unknown as MinimalDevice) ?? null;
  } catch {
    return null;
  }
}

export function configureRuntime(settings: RuntimeSettings): void {
  if (settings.wasmPaths) ort.env.wasm.wasmPaths = settings.wasmPaths;
  ort.env.wasm.numThreads = settings.numThreads ?? 1;
  ort.env.logLevel = 'error';
}

export interface SessionFiles {
  model: Uint8Array;
  externalData: { path: string; data: Uint8Array }[];
}

/** An ORT session whose runs are queued one after another. */
export class QueuedSession {
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly session: ort.InferenceSession,
    readonly backend: Backend,
  ) {}

  static async create(files: SessionFiles, backend: Backend, gpuOutputs: string[] = []): Promise<QueuedSession> {
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: [backend],
      externalData: files.externalData,
      graphOptimizationLevel: 'all',
    };
    if (backend === 'webgpu' && gpuOutputs.length > 0) {
      options.preferredOutputLocation = Object.fromEntries(gpuOutputs.map((n) => [n, 'gpu-buffer'])) as Record<string, ort.Tensor.DataLocation>;
    }
    return new QueuedSession(await ort.InferenceSession.create(files.model, options), backend);
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  /** Element type and shape (numbers, or symbols such as 'batch_size') of every declared input. */
  get inputMetadata(): readonly ort.InferenceSession.ValueMetadata[] {
    return this.session.inputMetadata;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  run(feeds: Record<string, ort.Tensor>, fetches?: string[]): Promise<Record<string, ort.Tensor>> {
    const result = this.tail.then(() => (fetches ? this.session.run(feeds, fetches) : this.session.run(feeds)));
    this.tail = result.catch(() => undefined);
    return result as Promise<Record<string, ort.Tensor>>;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/**
 * Reads a tensor's data as float32 on the CPU (downloading from the GPU if needed). float16 data
 * comes as a Uint16Array of bit patterns, or as a Float16Array where the runtime has one (ORT then
 * uses it): either way the same 16-bit patterns, read through a Uint16Array view.
 */
export async function toFloat32(t: ort.Tensor): Promise<Float32Array> {
  const data = t.location === 'gpu-buffer' ? await t.getData() : t.data;
  if (data instanceof Float32Array) return data;
  if (t.type === 'float16' && ArrayBuffer.isView(data) && data.byteLength === 2 * t.size) {
    return float16ToFloat32(new Uint16Array(data.buffer, data.byteOffset, t.size));
  }
  throw new Error(`expected a float32 or float16 tensor, got ${t.type}`);
}
