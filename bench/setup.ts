/**
 * Runs before anything else in the benchmark process:
 * - Liftoff-only wasm code (as the CLI and tests use; V8's optimising compile of ORT's 28 MB wasm
 *   otherwise eats ~50 s of CPU on this machine and skews every timing taken meanwhile);
 * - transformers.js on the same onnxruntime-web instance as the engine. Its Node build imports
 *   onnxruntime-node, unless `globalThis[Symbol.for('onnxruntime')]` already holds an ORT; then it
 *   lists no devices (device 'auto' lets ORT pick its first working backend: wasm in Node) and it
 *   hands ORT file paths, which ORT-web cannot read in Node, so the shim reads them into bytes.
 *   Its import also points ORT's wasmPaths at a CDN; we put them back (local files, no network).
 *   In Node it names a model's external-data chunks but hands them to ORT only as paths (onnxruntime-node
 *   reads them from beside the model file itself), so the shim reads the chunks beside a model path too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { configureRuntime, ort } from '../src/engine/ort';

setFlagsFromString('--liftoff-only');
configureRuntime({ numThreads: 1 });

/** The external-data chunks beside a model file (model.onnx_data, model.onnx_data_1, …, or model.onnx.data), as ORT-web takes them. */
function externalDataBeside(modelPath: string): { path: string; data: Uint8Array }[] {
  const base = basename(modelPath);
  return readdirSync(dirname(modelPath))
    .filter((f) => f.startsWith(`${base}_data`) || f === `${base}.data`)
    .map((f) => ({ path: f, data: new Uint8Array(readFileSync(join(dirname(modelPath), f))) }));
}

const shim = {
  ...ort,
  InferenceSession: {
    create: (model: unknown, options?: ort.InferenceSession.SessionOptions) =>
      ort.InferenceSession.create((typeof model === 'string' ? new Uint8Array(readFileSync(model)) : model) as Uint8Array, {
        ...options,
        // external data comes as file paths too (a model over 2 GB), or not at all beside a model path
        ...(options?.externalData
          ? {
              externalData: options.externalData.map((d) =>
                typeof d === 'object' && typeof d.data === 'string' ? { path: d.path, data: new Uint8Array(readFileSync(d.data)) } : d,
              ),
            }
          : typeof model === 'string' && { externalData: externalDataBeside(model) }),
      }),
  },
};
(globalThis as Record<symbol, unknown>)[Symbol.for('onnxruntime')] = shim;
const wasmPaths = ort.env.wasm.wasmPaths;
export const transformers = await import('@huggingface/transformers');
ort.env.wasm.wasmPaths = wasmPaths as string;
transformers.env.useWasmCache = false;
transformers.env.allowRemoteModels = false;
