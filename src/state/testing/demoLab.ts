/** The lab's store on the real demo model (Node, WASM, one thread), for state and UI tests. */
import type { ModelInfo } from '../../engine/api';
import type { Engine } from '../../engine/engine';
import { loadLocalEngine, seededFloats } from '../../engine/testing/models';
import { DEMO_MODEL_DIR } from '../../engine/testing/paths';
import { setEngine } from '../engine';
import { stopPersistence } from '../persist';
import { resetLab, setLab, type LabState } from '../store';
import type { VectorEntry } from '../types';

/** A fresh store (no persistence) with the demo model loaded at layer 2, and `patch` in the same write. */
export async function openDemoLab(patch: Partial<LabState> | ((info: ModelInfo) => Partial<LabState>) = {}): Promise<{ engine: Engine; info: ModelInfo }> {
  resetLab();
  stopPersistence();
  const loaded = await loadLocalEngine(DEMO_MODEL_DIR);
  setEngine(loaded.engine);
  setLab({ loadState: 'ready', info: loaded.info, loadedId: loaded.info.id, layer: 2, ...(typeof patch === 'function' ? patch(loaded.info) : patch) });
  return loaded;
}

/** A vector of seeded values in every row of the model, chosen layer 2, no statistics or norms. */
export function seededVector(trait: string, info: ModelInfo, seed: number): VectorEntry {
  const rows = info.numLayers + 1;
  return {
    trait,
    modelId: info.id,
    rows,
    hidden: info.hiddenSize,
    data: seededFloats(rows * info.hiddenSize, seed),
    layer: 2,
    stats: null,
    typicalNorms: null,
    samples: { pos: 1, neg: 1 },
    createdAt: 0,
  };
}
