/** Loads test models on the WASM backend, one thread (the machine running tests is small). */
import { loadModel, type LoadedModel } from '../loadModel';
import { folderFetcher } from '../nodeFolderFetcher';
import { configureRuntime } from '../ort';
import { Engine } from '../engine';
import type { ModelInfo } from '../api';

export async function loadLocalModel(dir: string): Promise<LoadedModel> {
  configureRuntime({ numThreads: 1 });
  return loadModel(folderFetcher(dir), { backend: 'wasm' });
}

/** Deterministic pseudo-random floats in [-1, 1) (mulberry32), for vectors and ids in tests. */
export function seededFloats(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** An Engine whose every source reads the given local folder (as the CLI does). */
export async function loadLocalEngine(dir: string): Promise<{ engine: Engine; info: ModelInfo }> {
  configureRuntime({ numThreads: 1 });
  const engine = new Engine({ fetcher: () => folderFetcher(dir) });
  const info = await engine.load({ source: { kind: 'url', baseUrl: dir }, backend: 'wasm' });
  return { engine, info };
}
