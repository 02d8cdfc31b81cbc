/**
 * Lab figures: share-link size for a 3-trait preset of an 896-wide model (slider-to-first-token
 * latency is in prefixReuse.ts).
 */
import { shareLink } from '../src/share/codec';
import type { Preset } from '../src/state/types';
import { seededRandom } from '../src/engine/sampling';

function gaussianVector(n: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r()));
}

export function shareLinkSizes(): { int8: number; fp16: number } {
  const preset: Preset = {
    name: 'three traits',
    modelId: 'onnx-community/Qwen2.5-0.5B-Instruct',
    layer: 12,
    positions: 'response',
    sampling: { temperature: 0.7, topK: 40, topP: 0.95 },
    seed: 42,
    maxNewTokens: 128,
    systemPrompt: 'You are a helpful assistant.',
    prompt: 'What do you think of my business plan?',
    createdAt: 0,
    traits: ['sycophantic', 'optimistic', 'humorous'].map((name, i) => ({ name, alpha: 1.5, vector: gaussianVector(896, i + 1), typicalNorm: 40 })),
  };
  const page = 'https://persona-lab.example/';
  return { int8: shareLink(page, preset, { quant: 'int8' }).length, fp16: shareLink(page, preset, { quant: 'fp16' }).length };
}
