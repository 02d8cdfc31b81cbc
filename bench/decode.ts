/**
 * Decode speed of the instrumented session vs the original graph (same backend, same process), with
 * the same minimal greedy loop over both, plus our full generate() loop; and batch of 4 vs 4 solo runs.
 */
import { forward, KvCache } from '../src/engine/forward';
import { generate } from '../src/engine/generate';
import type { LoadedModel } from '../src/engine/loadModel';
import { loadLocalModel } from '../src/engine/testing/models';
import { createOriginalSession, emptyPast, greedyOriginal, runOriginal } from '../src/engine/testing/originalSession';
import { decodeStepMedians, interleaved, type StepClock } from './timing';
import { greedyInstrumented } from './greedyInstrumented';

export function promptOf(length: number, vocab: number, seed: number): number[] {
  return Array.from({ length }, (_, i) => 1 + ((seed * 7919 + i * 104729) % (vocab - 1)));
}

export interface DecodeResult {
  model: string;
  newTokens: number;
  /** CPU ms of one prefill pass over 4 × 128 tokens, fetching logits only. */
  originalPrefillMs: number;
  instrumentedPrefillMs: number;
  originalTokPerS: number;
  instrumentedTokPerS: number;
  generateTokPerS: number;
  tokensAgree: boolean;
}

/** Decode tokens/s = 1000 / lower-quartile decode-step ms (every step after the prefill, all runs pooled). */
export async function decodeBench(dir: string, label: string, n = 48, reps = 7): Promise<{ result: DecodeResult; model: LoadedModel }> {
  const model = await loadLocalModel(dir);
  const original = await createOriginalSession(dir);
  const prompt = promptOf(16, model.config.vocabSize, 1);
  const a = await greedyOriginal(original, prompt, n);
  const b = await greedyInstrumented(model, prompt, n);
  const t = await decodeStepMedians(
    {
      orig: (c: StepClock) => greedyOriginal(original, prompt, n, c.tick),
      inst: (c: StepClock) => greedyInstrumented(model, prompt, n, c.tick),
      gen: (c: StepClock) => generate(model, { prompts: [prompt], maxNewTokens: n, stopTokenIds: [], onStep: c.tick }),
    },
    reps,
  );
  // Prefill of a batch: ORT computes every graph output, fetched or not, so the instrumented graph
  // also builds resid [B, L+1, S, H] and the [B, L, S, H] steering tensor here.
  const rows = [0, 1, 2, 3].map((i) => promptOf(128, model.config.vocabSize, 10 + i));
  const ones = rows.map((r) => r.map(() => 1));
  const positions = rows.map((r) => r.map((_, i) => i));
  const p = await interleaved(
    {
      orig: () => runOriginal(original, rows, ones, positions, emptyPast(original, 4), true),
      inst: async () =>
        (
          await forward(model, { ids: rows, attentionMask: ones, positionIds: positions, past: KvCache.empty(model, 4), readouts: ['logitsLast'] })
        ).present.dispose(),
    },
    reps,
  );
  await original.session.release();
  const rate = (ms: number) => 1000 / ms;
  return {
    model,
    result: {
      model: label,
      newTokens: n,
      originalPrefillMs: p.orig,
      instrumentedPrefillMs: p.inst,
      originalTokPerS: rate(t.orig),
      instrumentedTokPerS: rate(t.inst),
      generateTokPerS: rate(t.gen),
      tokensAgree: a.join() === b.join(),
    },
  };
}

export interface BatchResult {
  model: string;
  batchMs: number;
  sequentialMs: number;
  tokensAgree: boolean;
}

/** One generate() over 4 left-padded prompts vs 4 solo generate() calls (greedy, n tokens each). */
export async function batchBench(model: LoadedModel, label: string, n = 32, reps = 3): Promise<BatchResult> {
  const prompts = [16, 12, 9, 5].map((len, i) => promptOf(len, model.config.vocabSize, i + 2));
  const run = (p: number[][]) => generate(model, { prompts: p, maxNewTokens: n, stopTokenIds: [] });
  const batched = await run(prompts);
  const solo = await Promise.all(prompts.map((p) => run([p])));
  const t = await interleaved(
    {
      batch: () => run(prompts),
      sequential: async () => {
        for (const p of prompts) await run([p]);
      },
    },
    reps,
  );
  return { model: label, batchMs: t.batch, sequentialMs: t.sequential, tokensAgree: batched.tokens.every((row, i) => row.join() === solo[i].tokens[0].join()) };
}
