/** Our generate() vs transformers.js generate() on the original graph, same ORT-web wasm backend. */
import { dirname, basename } from 'node:path';
import { generate } from '../src/engine/generate';
import type { LoadedModel } from '../src/engine/loadModel';
import { transformers } from './setup';
import { promptOf } from './decode';
import { decodeStepMedians, type StepClock } from './timing';

export interface VersusResult {
  oursTokPerS: number;
  theirsTokPerS: number;
  tokensAgree: boolean;
  note: string;
}

export async function versusTransformersJs(dir: string, model: LoadedModel, n = 48, reps = 7): Promise<VersusResult> {
  transformers.env.localModelPath = `${dirname(dir)}/`;
  const theirs = await transformers.AutoModelForCausalLM.from_pretrained(basename(dir), { dtype: 'fp32', device: 'auto' as never });
  const prompt = promptOf(16, model.config.vocabSize, 1);
  const input_ids = new transformers.Tensor('int64', BigInt64Array.from(prompt, BigInt), [1, prompt.length]);
  const attention_mask = new transformers.Tensor(
    'int64',
    BigInt64Array.from(prompt, () => 1n),
    [1, prompt.length],
  );
  // transformers.js calls streamer.put once with the prompt, then once per generated token.
  const run = (k: number, clock?: StepClock) => {
    let first = true;
    const streamer = { put: () => (first ? (first = false) : clock?.tick()), end: () => {} };
    return theirs.generate({ input_ids, attention_mask, max_new_tokens: k, min_new_tokens: k, do_sample: false, streamer } as never) as Promise<unknown>;
  };
  const ours = (k: number, clock?: StepClock) => generate(model, { prompts: [prompt], maxNewTokens: k, stopTokenIds: [], onStep: clock?.tick });
  const theirTokens = Array.from(((await run(n)) as { data: BigInt64Array }).data, Number).slice(prompt.length);
  const ourTokens = (await ours(n)).tokens[0];
  // transformers.js's min_new_tokens masks the end token, so compare up to the first one.
  const eos = new Set(model.config.eosTokenIds);
  const cut = ourTokens.findIndex((t) => eos.has(t));
  const upTo = cut < 0 ? n : cut;
  const t = await decodeStepMedians({ ours: (c: StepClock) => ours(n, c), theirs: (c: StepClock) => run(n, c) }, reps);
  await (theirs as unknown as { dispose(): Promise<unknown> }).dispose();
  return {
    oursTokPerS: 1000 / t.ours,
    theirsTokPerS: 1000 / t.theirs,
    tokensAgree: ourTokens.slice(0, upTo).join() === theirTokens.slice(0, upTo).join(),
    note: 'transformers.js runs on onnxruntime-web here through a shim (see bench/setup.ts); onnxruntime-node is not used',
  };
}
