/**
 * Lab figures: share-link size for a 3-trait preset of an 896-wide model, and the engine's part of
 * slider-to-first-token latency (a steered regeneration until its first token) as a ratio to one
 * decode step, on the demo model. The UI adds its debounce on top.
 */
import { shareLink } from '../src/share/codec';
import type { Preset } from '../src/state/types';
import { seededRandom } from '../src/engine/sampling';
import { loadEngine } from '../src/cli/loadEngine';

function gaussianVector(n: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r()));
}

export function shareLinkSizes(): { int8: number; fp16: number } {
  const preset: Preset = {
    name: 'three traits', modelId: 'onnx-community/Qwen2.5-0.5B-Instruct', layer: 12, positions: 'response',
    sampling: { temperature: 0.7, topK: 40, topP: 0.95 }, seed: 42, maxNewTokens: 128,
    systemPrompt: 'You are a helpful assistant.', prompt: 'What do you think of my business plan?', createdAt: 0,
    traits: ['sycophantic', 'optimistic', 'humorous'].map((name, i) => ({ name, alpha: 1.5, vector: gaussianVector(896, i + 1), typicalNorm: 40 })),
  };
  const page = 'https://persona-lab.example/';
  return { int8: shareLink(page, preset, { quant: 'int8' }).length, fp16: shareLink(page, preset, { quant: 'fp16' }).length };
}

/** Median of first-token latency ÷ median decode step, over `runs` steered regenerations. */
export async function sliderLatencyRatio(runs = 7): Promise<{ ratio: number; firstTokenMs: number; stepMs: number }> {
  const { engine, info } = await loadEngine('demo', { quiet: true });
  const messages = [{ role: 'user' as const, content: 'How can I get better at drawing?' }];
  const firsts: number[] = [];
  const steps: number[] = [];
  for (let i = 0; i < runs; i++) {
    const vector = gaussianVector(info.hiddenSize, 100 + i);
    const stamps: number[] = [];
    const t0 = performance.now();
    await engine.generate(
      { rows: [{ prompt: { messages }, steering: null }, { prompt: { messages }, steering: [{ layer: 1, vector, alpha: 0.5 + i / 10 }] }], maxNewTokens: 16, seed: 1 },
      () => stamps.push(performance.now()),
    );
    firsts.push(stamps[0] - t0);
    for (let s = 1; s < stamps.length; s++) steps.push(stamps[s] - stamps[s - 1]);
  }
  await engine.unload();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { ratio: median(firsts) / median(steps), firstTokenMs: median(firsts), stepMs: median(steps) };
}
