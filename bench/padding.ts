/**
 * What exact batches cost on a GroupQueryAttention graph: rows of unequal length are right-padded,
 * and each row's last prompt token is fed once more as a one-token pass (src/engine/padding.ts).
 * Compared with a batch of equal-length rows of the same padded width (no extra pass): the time to
 * the first token and to a whole greedy generation.
 */
import { generate } from '../src/engine/generate';
import { loadLocalModel } from '../src/engine/testing/models';
import { promptOf } from './decode';
import { interleaved } from './timing';

export interface PaddingResult {
  /** CPU ms to the first token: unequal rows (extra pass) vs equal rows. */
  firstUnequalMs: number;
  firstEqualMs: number;
  /** CPU ms of a whole greedy generation of `newTokens`. */
  wholeUnequalMs: number;
  wholeEqualMs: number;
  newTokens: number;
  lengths: number[];
  padding: string;
}

export async function paddingBench(dir: string, n = 32, reps = 7): Promise<PaddingResult> {
  const model = await loadLocalModel(dir);
  const lengths = [32, 24, 16, 8];
  const unequal = lengths.map((len, i) => promptOf(len, model.config.vocabSize, 30 + i));
  const equal = lengths.map((_, i) => promptOf(lengths[0], model.config.vocabSize, 40 + i));
  const run = (prompts: number[][], maxNewTokens: number) => generate(model, { prompts, maxNewTokens, stopTokenIds: [] });
  const first = await interleaved({ unequal: () => run(unequal, 1), equal: () => run(equal, 1) }, reps);
  const whole = await interleaved({ unequal: () => run(unequal, n), equal: () => run(equal, n) }, reps);
  await model.session.release();
  return {
    firstUnequalMs: first.unequal,
    firstEqualMs: first.equal,
    wholeUnequalMs: whole.unequal,
    wholeEqualMs: whole.equal,
    newTokens: n,
    lengths,
    padding: model.info.padding,
  };
}
