/** Where the test models live: the shared fixtures beside the repo, and the bundled demo model. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
/** Third-party fused-style export (fp16, 2 layers, hidden 16); see its PROVENANCE.md. */
export const FUSED_FIXTURE_DIR = resolve(REPO_ROOT, '../shared/fixtures/tiny-random-llama-fused');
/** Third-party builder graph with GroupQueryAttention (fp32, no position_ids; see its PROVENANCE.md). */
export const GQA_FIXTURE_DIR = resolve(REPO_ROOT, '../shared/fixtures/tiny-random-llama-gqa');
/** The bundled demo model (decomposed style, fp32); it may be rebuilt while tests run. */
export const DEMO_MODEL_DIR = resolve(REPO_ROOT, 'public/models/persona-demo');

export function hasDemoModel(): boolean {
  return existsSync(resolve(DEMO_MODEL_DIR, 'onnx/model.onnx')) && existsSync(resolve(DEMO_MODEL_DIR, 'config.json'));
}
