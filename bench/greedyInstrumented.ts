/**
 * The minimal greedy loop of greedyOriginal (src/engine/testing/originalSession.ts), over the
 * instrumented session (steer = 0). Browser-safe: bench/decode.ts (Node) and the WebGPU bench page
 * both time it. Caches on the GPU are freed as each step replaces them (a no-op on WASM).
 */
import { forward, KvCache } from '../src/engine/forward';
import type { LoadedModel } from '../src/engine/loadModel';
import { argmaxOf } from '../src/engine/testing/compare';

export async function greedyInstrumented(model: LoadedModel, prompt: number[], n: number, onToken?: () => void): Promise<number[]> {
  let past = KvCache.empty(model, 1);
  let ids = [prompt];
  const mask = [prompt.map(() => 1)];
  let positions = [prompt.map((_, i) => i)];
  const tokens: number[] = [];
  for (let step = 0; step < n; step++) {
    const out = await forward(model, { ids, attentionMask: mask, positionIds: positions, past, readouts: ['logitsLast'] });
    const best = argmaxOf(out.readouts.logitsLast!);
    tokens.push(best);
    onToken?.();
    past.dispose();
    past = out.present;
    ids = [[best]];
    mask[0].push(1);
    positions = [[positions[0][positions[0].length - 1] + 1]];
  }
  past.dispose();
  return tokens;
}
