/**
 * The demo model's floor (issue #3), measured through the lab's own engine on held-out material only
 * (heldout.json: questions and system-prompt phrasings never trained on): fluency by the corpus
 * grammar, and trait following under eliciting, suppressing and neutral prompts. Numbers are printed.
 */
import v8 from 'node:v8';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MODEL_DIR, loadEngine } from '../cli/loadEngine';
import type { Engine } from '../engine/engine';
import type { ChatMessage, SamplingSettings } from '../engine/api';
import { generateRows } from './pipeline/engineCalls';
import { parsesAsDemoAnswer } from './demoGrammar';
import { judgeTrait } from './lexiconJudge';
import { answerLoss, type Conversation } from './pipeline/answerLoss';

// See demoModel.test.ts: Liftoff-only wasm code is faster for a short test run on this machine.
v8.setFlagsFromString('--liftoff-only');

const DIR = process.env.PERSONA_DEMO_DIR ?? DEMO_MODEL_DIR;
const HELDOUT = join(DIR, 'heldout.json');
const TRAITS = ['optimistic', 'polite', 'humorous', 'sycophantic'] as const;
const MAX_TOKENS = 80;
const BATCH = 64;
const T1: SamplingSettings = { temperature: 1, topK: 0, topP: 1 };
const GREEDY: SamplingSettings = { temperature: 0, topK: 0, topP: 1 };
/** Rounds of 40 sampled answers: the bar is stated for 40, more rounds make the rate less noisy. */
const ROUNDS = 10;
const END_OF_TURN = '<|im_end|>';

interface LossSets {
  heldout_file: string;
  train_file: string;
  heldout_loss_per_token: number;
  train_loss_per_token: number;
}

interface Heldout {
  neutral_prompt: string;
  questions: { advice: string[]; false_claim: string[] };
  system_prompts: Record<string, { pos: string; neg: string }>;
}

const STRICT = process.env.PERSONA_DEMO_STRICT === '1';
/** A bar the shipped model does not meet yet runs as an expected failure (see demoModel.test.ts). */
const shortfall = STRICT ? it : it.fails;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

describe.skipIf(!existsSync(HELDOUT))('the demo model on held-out questions and prompts', () => {
  let engine: Engine;
  let heldout: Heldout;
  /** Advice and false-claim questions interleaved, so every slice of 40 mixes both kinds. */
  let questions: string[];

  beforeAll(async () => {
    engine = (await loadEngine(DIR === DEMO_MODEL_DIR ? 'demo' : DIR, { quiet: true })).engine;
    heldout = JSON.parse(readFileSync(HELDOUT, 'utf8'));
    const { advice, false_claim: claims } = heldout.questions;
    questions = advice.flatMap((q, i) => (i < claims.length ? [q, claims[i]] : [q]));
  }, 120_000);

  afterAll(async () => {
    await engine?.unload();
  });

  /** One answer per prompt; the answer to prompt i samples with seed + i. */
  async function answers(prompts: ChatMessage[][], sampling: SamplingSettings, seed: number): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < prompts.length; i += BATCH) {
      const rows = await generateRows(engine, {
        rows: prompts.slice(i, i + BATCH).map((messages, b) => ({ prompt: { messages }, steering: null, seed: seed + i + b })),
        maxNewTokens: MAX_TOKENS,
        sampling,
      });
      out.push(...rows.map((r) => r.text.trim()));
    }
    return out;
  }

  const conversation = (system: string, user: string): ChatMessage[] => [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];

  /** The nine held-out conditions: the neutral assistant and both sides of every trait. */
  const conditions = () => [heldout.neutral_prompt, ...TRAITS.flatMap((t) => [heldout.system_prompts[t].pos, heldout.system_prompts[t].neg])];

  const readJsonl = (file: string): Conversation[] =>
    readFileSync(join(DIR, file), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Conversation);
  const lossSets = (): LossSets => (JSON.parse(readFileSync(join(DIR, 'training_report.json'), 'utf8')) as { loss_sets: LossSets }).loss_sets;

  /** Loss per answer token on the shipped held-out and training sets, through the engine, with the build's record of them; computed once. */
  let measured: Promise<{ heldout: number; train: number; sets: LossSets }> | undefined;
  const engineLosses = () =>
    (measured ??= (async () => {
      const sets = lossSets();
      const heldout = (await answerLoss(engine, readJsonl(sets.heldout_file), END_OF_TURN)).lossPerToken;
      const train = (await answerLoss(engine, readJsonl(sets.train_file), END_OF_TURN)).lossPerToken;
      return { heldout, train, sets };
    })());

  it('scores answers through the engine as the build does in torch: the same loss on both shipped sets', async () => {
    const { heldout, train, sets } = await engineLosses();
    console.log(
      `[demo floor] loss per answer token, engine vs torch (build report): held-out ${heldout.toFixed(5)} vs ${sets.heldout_loss_per_token}, training ${train.toFixed(5)} vs ${sets.train_loss_per_token}`,
    );
    expect(Math.abs(heldout - sets.heldout_loss_per_token)).toBeLessThan(1e-3);
    expect(Math.abs(train - sets.train_loss_per_token)).toBeLessThan(1e-3);
    // the sets differ in what the model has seen, and a wrong alignment of logits to targets would cost far more
    expect(heldout).toBeGreaterThan(train);
  }, 300_000);

  // The bar this floor picks of the two (the sampled-parse rate below is reported as well). measured (v4):
  // 0.18901 / 0.17307 = 1.092, equal to torch's to 5 decimals (v3: 1.149).
  it('is fluent: held-out loss per answer token ≤ 1.10 × training (shipped held-out and training sets)', async () => {
    const { heldout, train, sets } = await engineLosses();
    console.log(
      `[demo floor] fluency: held-out ÷ training loss per answer token ${(heldout / train).toFixed(3)} (target ≤ 1.10; ${heldout.toFixed(4)} / ${train.toFixed(4)}, ${sets.heldout_file} vs ${sets.train_file})`,
    );
    expect(heldout / train).toBeLessThanOrEqual(1.1);
  }, 300_000);

  // measured (v4): 93.0% of 400 (rounds of 40 from 80% to 100%), greedy 100%; v3: 87.8% here, 92.0–92.8% with other
  // seed sets and 91.5–94.0% with the build's torch sampler. Both sit near 92–93% at T = 1, short of 95%. Single
  // rounds of 40 (the build report's 93.75% for v4) swing by ±10 points, which is why this pools ten.
  shortfall(
    'is fluent by the other measure too: ≥ 95% of sampled answers (T = 1) parse as the corpus grammar',
    async () => {
      const conds = conditions();
      const prompts = Array.from({ length: 40 * ROUNDS }, (_, i) => conversation(conds[i % conds.length], questions[i % questions.length]));
      const rates: number[] = [];
      const failures: string[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const batch = prompts.slice(40 * r, 40 * (r + 1));
        const texts = await answers(batch, T1, 1000 * r);
        const ok = texts.map(parsesAsDemoAnswer);
        rates.push(ok.filter(Boolean).length / ok.length);
        texts.forEach((t, i) => !ok[i] && failures.length < 8 && failures.push(JSON.stringify(t)));
      }
      const greedy = await answers(prompts.slice(0, 40), GREEDY, 0);
      const greedyRate = greedy.filter(parsesAsDemoAnswer).length / greedy.length;
      const pooled = rates.reduce((a, b) => a + b, 0) / rates.length;
      console.log(
        `[demo floor] fluency: ${pct(pooled)} of ${40 * ROUNDS} sampled answers parse (T = 1; per round of 40: ${rates.map(pct).join(' ')}); greedy ${pct(greedyRate)} of 40`,
      );
      console.log(`[demo floor] first failures: ${failures.join(' | ')}`);
      expect(pooled).toBeGreaterThanOrEqual(0.95);
    },
    600_000,
  );

  it('follows the traits: eliciting ≥ 90%, suppressing ≤ 10%, neutral ≤ 20% judged as the trait', async () => {
    for (const t of TRAITS) {
      // Sycophancy shows only on false claims; the other traits on every question.
      const qs = (t === 'sycophantic' ? heldout.questions.false_claim : questions).slice(0, 40);
      const side = async (system: string) => {
        const texts = await answers(
          qs.map((q) => conversation(system, q)),
          GREEDY,
          0,
        );
        return texts.filter((a, i) => judgeTrait(t, a, qs[i]) >= 50).length / texts.length;
      };
      const pos = await side(heldout.system_prompts[t].pos);
      const neg = await side(heldout.system_prompts[t].neg);
      const neutral = await side(heldout.neutral_prompt);
      console.log(
        `[demo floor] ${t}: judged as the trait under eliciting ${pct(pos)}, suppressing ${pct(neg)}, neutral ${pct(neutral)} (n = ${qs.length} each, greedy)`,
      );
      expect.soft(pos).toBeGreaterThanOrEqual(0.9);
      expect.soft(neg).toBeLessThanOrEqual(0.1);
      expect.soft(neutral).toBeLessThanOrEqual(0.2);
    }
  }, 600_000);
});
