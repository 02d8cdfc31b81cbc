/**
 * Prefix reuse (src/engine/prefixStore.ts) on the demo model, in decode steps and CPU time:
 * - slider → first steered token: after a turn's two replies, the lab regenerates only the steered
 *   row, and in `response` mode the engine re-runs only the last prompt token. Compared with what a
 *   move cost before (both rows, the whole prompt, no reuse).
 * - a chat turn's first token: the second turn of a conversation with reuse (the first turn's
 *   prompt and reply cached) against the same turn recomputed, beside the share of its prompt that is new.
 */
import { Engine } from '../src/engine/engine';
import { folderFetcher } from '../src/engine/nodeFolderFetcher';
import { seededRandom } from '../src/engine/sampling';
import type { ChatMessage } from '../src/engine/api';
import { DEMO_MODEL_DIR } from '../src/engine/testing/paths';
import { cpuMs, median } from './timing';

async function engineWith(prefixReuse: boolean): Promise<Engine> {
  const engine = new Engine({ fetcher: () => folderFetcher(DEMO_MODEL_DIR), prefixReuse });
  await engine.load({ source: { kind: 'url', baseUrl: DEMO_MODEL_DIR }, backend: 'wasm' });
  return engine;
}

function vectorOf(n: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

/** CPU ms from the call to its first token, and each later step's CPU ms. */
async function timedGenerate(engine: Engine, request: Parameters<Engine['generate']>[0]): Promise<{ first: number; steps: number[] }> {
  const stamps: number[] = [];
  const t0 = cpuMs();
  await engine.generate(request, () => stamps.push(cpuMs()));
  return { first: stamps[0] - t0, steps: stamps.slice(1).map((s, i) => s - stamps[i]) };
}

export interface SliderResult {
  /** Median first-token CPU ms ÷ median decode step, with reuse and the steered row only (what the lab does now). */
  reuseRatio: number;
  /** The same before: both rows, the whole prompt. */
  beforeRatio: number;
  promptTokens: number;
}

export async function sliderBench(runs = 7): Promise<SliderResult> {
  const messages: ChatMessage[] = [{ role: 'user', content: 'How can I get better at drawing? I practise a little every day but I do not see much progress.' }];
  const withReuse = await engineWith(true);
  const without = await engineWith(false);
  const H = withReuse.loaded.info.hiddenSize;
  const steer = (i: number) => [{ layer: 1, vector: vectorOf(H, 100 + i), alpha: 0.5 + i / 10 }];
  // the turn as sent: both rows; then slider moves
  await withReuse.generate({
    rows: [
      { prompt: { messages }, steering: null },
      { prompt: { messages }, steering: steer(0) },
    ],
    maxNewTokens: 16,
    seed: 1,
  });
  const firsts: number[] = [];
  const steps: number[] = [];
  const beforeFirsts: number[] = [];
  const beforeSteps: number[] = [];
  for (let i = 1; i <= runs; i++) {
    const moved = await timedGenerate(withReuse, { rows: [{ prompt: { messages }, steering: steer(i) }], maxNewTokens: 16, seed: 1 });
    firsts.push(moved.first);
    steps.push(...moved.steps);
    const before = await timedGenerate(without, {
      rows: [
        { prompt: { messages }, steering: null },
        { prompt: { messages }, steering: steer(i) },
      ],
      maxNewTokens: 16,
      seed: 1,
    });
    beforeFirsts.push(before.first);
    beforeSteps.push(...before.steps);
  }
  const promptTokens = (await withReuse.tokenize({ messages })).ids.length;
  await withReuse.unload();
  await without.unload();
  return { reuseRatio: median(firsts) / median(steps), beforeRatio: median(beforeFirsts) / median(beforeSteps), promptTokens };
}

export interface ChatTurnResult {
  /** First-token CPU time of the second turn, with reuse ÷ recomputed. */
  timeRatio: number;
  /** Tokens of the second turn's prompt not cached by the first ÷ all its tokens. */
  newShare: number;
  promptTokens: number;
  newTokens: number;
  reuseMs: number;
  fullMs: number;
}

export async function chatTurnBench(runs = 5): Promise<ChatTurnResult> {
  const withReuse = await engineWith(true);
  const without = await engineWith(false);
  const first: ChatMessage[] = [
    { role: 'system', content: 'You are a helpful assistant who answers briefly and kindly.' },
    {
      role: 'user',
      content:
        'I want to start running in the mornings before work, but I always feel tired and give up after a week. I have tried setting alarms, laying out my clothes and running with a friend. What would you suggest I try next?',
    },
  ];
  const reuse: number[] = [];
  const full: number[] = [];
  let promptTokens = 0;
  let newTokens = 0;
  for (let i = 0; i < runs; i++) {
    withReuse['prefixes'].clear(); // each run starts from the first turn alone
    const reply = await withReuse.generate({ rows: [{ prompt: { messages: first }, steering: null }], maxNewTokens: 24, seed: i });
    const second: ChatMessage[] = [...first, { role: 'assistant', content: reply.rows[0].text }, { role: 'user', content: 'And on rainy days?' }];
    const ids = (await withReuse.tokenize({ messages: second })).ids;
    const cached = [...reply.rows[0].promptIds, ...reply.rows[0].tokenIds.slice(0, -1)];
    let common = 0;
    while (common < cached.length && common < ids.length - 1 && cached[common] === ids[common]) common++;
    promptTokens = ids.length;
    newTokens = ids.length - common;
    reuse.push((await timedGenerate(withReuse, { rows: [{ prompt: { messages: second }, steering: null }], maxNewTokens: 1, seed: i })).first);
    full.push((await timedGenerate(without, { rows: [{ prompt: { messages: second }, steering: null }], maxNewTokens: 1, seed: i })).first);
  }
  await withReuse.unload();
  await without.unload();
  return { timeRatio: median(reuse) / median(full), newShare: newTokens / promptTokens, promptTokens, newTokens, reuseMs: median(reuse), fullMs: median(full) };
}
