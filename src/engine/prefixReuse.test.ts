/**
 * Prefix reuse (prefixStore.ts) gives what recomputing gives: greedy tokens equal and the per-token
 * probe projections equal within float rounding, in each position mode, for a slider move (same
 * prompt, new steering), a chat turn (the earlier prompt and reply, then new tokens) and batch rows,
 * on the demo model, the fused MHA fixture (left padding, fp16) and the GQA fixture (right padding).
 * It also checks how much was reused: in `response` mode a slider move reuses all of the prompt but
 * its last token; in `prompt` and `all` modes new steering on the prompt reuses nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, type GenerateOptions, type GenerationLoopResult } from './generate';
import type { LoadedModel } from './loadModel';
import { PrefixStore } from './prefixStore';
import type { PositionMode, SteeringTerm } from './steering';
import { maxAbs, maxAbsDiff } from './testing/compare';
import { loadLocalModel, seededFloats } from './testing/models';
import { DEMO_MODEL_DIR, FUSED_FIXTURE_DIR, GQA_FIXTURE_DIR, hasDemoModel } from './testing/paths';

const MODELS = [
  ...(hasDemoModel() ? [{ name: 'demo model (fp32)', dir: DEMO_MODEL_DIR, tol: 1e-4, chunked: true }] : []),
  // its attention-mask subgraph takes one new token or a whole prompt, not several tokens after a cache
  { name: 'fused MHA fixture (fp16)', dir: FUSED_FIXTURE_DIR, tol: 2e-2, chunked: false },
  { name: 'GQA fixture (fp32, right padding)', dir: GQA_FIXTURE_DIR, tol: 1e-4, chunked: true },
];
const PROMPT = [1, 300, 45, 700, 12, 99, 5, 61, 8];
const MODES: PositionMode[] = ['response', 'prompt', 'all'];

describe.each(MODELS)('prefix reuse on the $name', ({ dir, tol, chunked }) => {
  let model: LoadedModel;
  let term: (alpha: number) => SteeringTerm[];
  let probes: GenerateOptions['probes'];
  beforeAll(async () => {
    model = await loadLocalModel(dir);
    const { numLayers: L, hiddenSize: H } = model.info;
    const vector = seededFloats(H, 11);
    // strong enough to change the tokens of these tiny models, so a wrong reuse shows in the text
    const scale = 4 / Math.sqrt(H / 3);
    term = (alpha) => [{ layer: Math.min(1, L - 1), vector, alpha: alpha * scale }];
    probes = { data: seededFloats((L + 1) * 2 * H, 5), k: 2 };
  });
  afterAll(() => model?.session.release());

  const run = (store: PrefixStore | undefined, prompts: number[][], steering: (SteeringTerm[] | null)[], positions: PositionMode) =>
    generate(model, { prompts, steering, positions, maxNewTokens: 8, probes, prefixes: store, stopTokenIds: [] });

  function expectSame(reused: GenerationLoopResult, fresh: GenerationLoopResult) {
    expect(reused.tokens).toEqual(fresh.tokens);
    expect(fresh.reused.every((n) => n === 0)).toBe(true);
    reused.projections!.forEach((row, b) =>
      row.forEach((p, t) => {
        const ref = fresh.projections![b][t];
        expect(maxAbsDiff(p, ref), `row ${b} token ${t}`).toBeLessThanOrEqual(tol * Math.max(1, maxAbs(ref)));
      }),
    );
  }

  it.each(MODES)('a slider move (%s mode) equals recomputing; response mode reuses all but the last prompt token', async (mode) => {
    const store = new PrefixStore();
    await run(store, [PROMPT, PROMPT], [null, term(1)], mode);
    expect(store.size).toBe(2);
    const moved = await run(store, [PROMPT], [term(2)], mode);
    expectSame(moved, await run(undefined, [PROMPT], [term(2)], mode));
    // response: only the last prompt token is steered at the prefill; prompt/all: new steering on every prompt position
    expect(moved.reused).toEqual([mode === 'response' ? PROMPT.length - 1 : 0]);
  });

  it.each(MODES)('the unsteered row again (%s mode) reuses all but the last prompt token', async (mode) => {
    const store = new PrefixStore();
    await run(store, [PROMPT, PROMPT], [null, term(1)], mode);
    const again = await run(store, [PROMPT], [null], mode);
    expectSame(again, await run(undefined, [PROMPT], [null], mode));
    expect(again.reused).toEqual([PROMPT.length - 1]);
  });

  it.each(MODES)('a chat turn (%s mode) runs only the new tokens where steering allows, and equals recomputing', async (mode) => {
    const store = new PrefixStore();
    const first = await run(store, [PROMPT], [term(1)], mode);
    const next = [...PROMPT, ...first.tokens[0], 17, 230, 4];
    const turn = await run(store, [next], [term(1)], mode);
    expectSame(turn, await run(undefined, [next], [term(1)], mode));
    // fed and cached: the prompt and every generated token but the last. What recomputing would steer differently is not reused:
    // response mode steered the generated tokens (the new prompt does not) and the old last prompt token; prompt mode
    // did not steer the generated tokens (the new prompt does); all mode steers both alike.
    const fed = PROMPT.length + first.tokens[0].length - 1;
    // a graph that refuses several tokens after a cache falls back to the whole prompt, and says so
    expect(store.oneTokenOnly).toBe(!chunked);
    expect(turn.reused).toEqual([!chunked ? 0 : mode === 'all' ? fed : PROMPT.length - 1 + (mode === 'prompt' ? 1 : 0)]);
  });

  it.each(MODES)('batch rows (%s mode): each row reuses its own earlier cache and equals recomputing', async (mode) => {
    const store = new PrefixStore();
    await run(store, [PROMPT, PROMPT], [null, term(1)], mode);
    const steering = [term(-1), null];
    const batch = await run(store, [PROMPT, PROMPT], steering, mode);
    expectSame(batch, await run(undefined, [PROMPT, PROMPT], steering, mode));
    expect(batch.reused).toEqual(mode === 'response' ? [PROMPT.length - 1, PROMPT.length - 1] : [0, 0]);
  });

  it('different steering on the prompt positions means no reuse; rows of unequal length are not reused', async () => {
    const store = new PrefixStore();
    await run(store, [PROMPT], [term(1)], 'prompt');
    const other = await run(store, [PROMPT], [term(1.5)], 'prompt');
    expect(other.reused).toEqual([0]);
    expectSame(other, await run(undefined, [PROMPT], [term(1.5)], 'prompt'));
    const unequal = await run(store, [PROMPT, PROMPT.slice(0, 6)], [term(1.5), null], 'prompt');
    expect(unequal.reused).toEqual([0, 0]);
    expectSame(unequal, await run(undefined, [PROMPT, PROMPT.slice(0, 6)], [term(1.5), null], 'prompt'));
  });
});
