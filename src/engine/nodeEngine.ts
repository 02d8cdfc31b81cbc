/**
 * An Engine in Node (the CLI, tests, benches): WASM backend, one thread, and sources that read a
 * local folder in Hub layout when one is given. The one Node loader; the browser's is the worker.
 */
import type { LoadProgress, ModelInfo, ModelSource } from './api';
import { Engine } from './engine';
import { folderFetcher } from './nodeFolderFetcher';
import { configureRuntime } from './ort';

export interface NodeEngineOptions {
  /** Hub host for Hub ids (a mirror, or a local server in tests). */
  hubHost?: string;
  /** ONNX variant (q4, fp16, a builder folder, …); default: the engine's choice for WASM. */
  variant?: string;
  onProgress?: (p: LoadProgress) => void;
}

/** Loads `source` into a new Engine; every fetch reads `folder` when it is given. */
export async function loadNodeEngine(
  source: ModelSource,
  folder: string | null,
  options: NodeEngineOptions = {},
): Promise<{ engine: Engine; info: ModelInfo }> {
  configureRuntime({ numThreads: 1 });
  const engine = new Engine({ hubHost: options.hubHost, fetcher: (_request, signal) => (folder ? folderFetcher(folder, signal) : null) });
  const info = await engine.load({ source, backend: 'wasm', variant: options.variant }, options.onProgress);
  return { engine, info };
}

/** The model in a local folder (Hub layout) in a new Engine. */
export function loadFolderEngine(dir: string, options: NodeEngineOptions = {}): Promise<{ engine: Engine; info: ModelInfo }> {
  return loadNodeEngine({ kind: 'url', baseUrl: dir }, dir, options);
}
