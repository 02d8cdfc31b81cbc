/** Loads `<model>` (a local folder in Hub layout, a Hub id or a URL) into an Engine on WASM. */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type { Engine } from '../engine/engine';
import { parseSourceText } from '../engine/modelSource';
import { loadNodeEngine } from '../engine/nodeEngine';
import type { ModelInfo } from '../engine/api';

/** The bundled demo model's folder (the CLI's `demo`). */
export const DEMO_MODEL_DIR = resolve(import.meta.dirname, '../../public/models/persona-demo');

export async function loadEngine(model: string, options: { quiet?: boolean } = {}): Promise<{ engine: Engine; info: ModelInfo }> {
  // ORT's 28 MB wasm: V8's background optimising compile of it costs ~50 s of CPU on a small
  // machine, slows every run meanwhile and holds up process exit until it is done. Liftoff code
  // alone runs these models faster overall. Must be set before the first session compiles the wasm.
  setFlagsFromString('--liftoff-only');
  const dir = model === 'demo' ? DEMO_MODEL_DIR : resolve(model);
  const isFolder = existsSync(dir) && statSync(dir).isDirectory();
  return loadNodeEngine(isFolder ? { kind: 'url', baseUrl: dir } : parseSourceText(model), isFolder ? dir : null, {
    hubHost: process.env.PERSONA_LAB_HUB,
    // PERSONA_LAB_VARIANT picks the ONNX variant (q4, fp16, a builder folder, …); default: the engine's choice for WASM.
    variant: process.env.PERSONA_LAB_VARIANT || undefined,
    onProgress: (p) => {
      if (!options.quiet && p.status === 'stage') process.stderr.write(`${p.message}\n`);
    },
  });
}
