/**
 * Runs before anything else in the benchmark process:
 * - Liftoff-only wasm code (as the CLI and tests use; V8's optimising compile of ORT's 28 MB wasm
 *   otherwise eats ~50 s of CPU on this machine and skews every timing taken meanwhile);
 * - transformers.js on the same onnxruntime-web instance as the engine. Its Node build imports
 *   onnxruntime-node, unless `globalThis[Symbol.for('onnxruntime')]` already holds an ORT; then it
 *   lists no devices (device 'auto' lets ORT pick its first working backend: wasm in Node) and it
 *   hands ORT file paths, which ORT-web cannot read in Node, so the shim reads them into bytes.
 *   Its import also points ORT's wasmPaths at a CDN; we put them back (local files, no network).
 */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { configureRuntime, ort } from '../src/engine/ort';

setFlagsFromString('--liftoff-only');
configureRuntime({ numThreads: 1 });

const shim = {
  ...ort,
  InferenceSession: {
    create: (model: unknown, options?: ort.InferenceSession.SessionOptions) =>
      ort.InferenceSession.create((typeof model === 'string' ? new Uint8Array(readFileSync(model)) : model) as Uint8Array, {
        ...options,
        // external data comes as file paths too (a model over 2 GB)
        ...(options?.externalData && {
          externalData: options.externalData.map((d) =>
            typeof d === 'object' && typeof d.data === 'string' ? { path: d.path, data: new Uint8Array(readFileSync(d.data)) } : d,
          ),
        }),
      }),
  },
};
(globalThis as Record<symbol, unknown>)[Symbol.for('onnxruntime')] = shim;
const wasmPaths = ort.env.wasm.wasmPaths;
export const transformers = await import('@huggingface/transformers');
ort.env.wasm.wasmPaths = wasmPaths as string;
transformers.env.useWasmCache = false;
transformers.env.allowRemoteModels = false;
