/**
 * Evaluated before anything imports transformers.js (src/engine/tokenizer.ts does): ORT's wasm
 * files from this server, so transformers.js finds wasmPaths set and does not point them at a CDN.
 * transformers.js imports "onnxruntime-web/webgpu" as src/engine/ort.ts does, and Vite leaves that
 * package out of its pre-bundling (vite.config.ts), so both get one module: one runtime, one GPU
 * device (page.ts checks and reports it).
 */
import { configureRuntime } from '../../src/engine/ort';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import ortMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';

const asset = (url: string) => new URL(url, location.href).href;
configureRuntime({
  wasmPaths: { wasm: asset(ortWasmUrl), mjs: asset(ortMjsUrl) },
  numThreads: crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1,
});
