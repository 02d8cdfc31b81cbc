/** Loads test models on the WASM backend, one thread (the machine running tests is small). */
import { loadModel, type LoadedModel } from '../loadModel';
import { folderFetcher } from '../nodeFolderFetcher';
import { configureRuntime } from '../ort';
import { seededRandom } from '../sampling';

export async function loadLocalModel(dir: string): Promise<LoadedModel> {
  configureRuntime({ numThreads: 1 });
  return loadModel(folderFetcher(dir), { backend: 'wasm' });
}

/** Deterministic pseudo-random floats in [-1, 1) (the engine's seeded generator), for vectors and ids in tests. */
export function seededFloats(n: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: n }, () => random() * 2 - 1);
}

/** An Engine whose every source reads the given local folder (as the CLI does): engine/nodeEngine.ts. */
export { loadFolderEngine as loadLocalEngine } from '../nodeEngine';
