/// <reference lib="webworker" />
/** The engine worker entry: wiring only. */
import { Engine } from './engine';
import { createHandler } from './handler';
import { configureRuntime, webgpuDevice } from './ort';
// The ORT runtime the WebGPU bundle uses (binary + the script its threads start from), emitted by
// Vite as assets of the app; without the script URL, threads would boot this whole worker again.
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import ortMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import type { Request, Response } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

const base = new URL(import.meta.env.BASE_URL, self.location.origin);
const asset = (url: string) => new URL(url, self.location.href).href;
configureRuntime({
  wasmPaths: { wasm: asset(ortWasmUrl), mjs: asset(ortMjsUrl) },
  numThreads: self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1,
});
const engine = new Engine({ demoUrl: new URL('models/persona-demo/', base).href });
const post = (r: Response, transfer?: Transferable[]) => self.postMessage(r, transfer ?? []);

let watchedDevice: unknown = null;
/** After a WebGPU load, report the device's loss so the page can restart the engine. */
async function watchDevice(): Promise<void> {
  const device = await webgpuDevice();
  if (!device || device === watchedDevice) return;
  watchedDevice = device;
  const info = await device.lost;
  post({
    id: 0,
    kind: 'notice',
    notice: { type: 'deviceLost', message: `the WebGPU device was lost (${info.reason || 'unknown'}: ${info.message || 'no details'})` },
  });
}

const handle = createHandler(engine, post, {
  crash: () =>
    setTimeout(() => {
      throw new Error('simulated engine crash');
    }),
  loseDevice: async () => (await webgpuDevice())?.destroy(),
});
self.onmessage = async (e: MessageEvent<Request>) => {
  await handle(e.data);
  if (e.data.type === 'load' && engine.loadedInfo?.backend === 'webgpu') void watchDevice();
};
