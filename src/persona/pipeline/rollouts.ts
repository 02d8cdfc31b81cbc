/**
 * Step 1, rollouts (docs/ARCHITECTURE.md §4 "Rollouts"): question × instruction pair × n samples, for the
 * positive and the negative side, batched through engine.generate (many rows per call). Greedy with
 * one sample, else temperature sampling. Each response is stored as it comes; a re-run skips the
 * rollouts already stored.
 */
import type { ChatMessage, PositionMode, SamplingSettings, SteeringTerm } from '../../engine/api';
import { contextFormat, personaFraming, questionPrompt, replyOf, type PromptFormat } from '../promptFormat';
import type { TraitSet } from '../traitSet';
import { generateRows } from './engineCalls';
import { checkCancelled, chunks, PipelineProgressTracker } from './progress';
import type { PipelineContext, PipelineSettings, PipelineStep, RolloutRecord, Side, Split } from './types';

const GREEDY: SamplingSettings = { temperature: 0, topK: 0, topP: 1 };

/** What a run is: its id, the trait set and the settings (stored in the "runs" collection). */
export interface RunSpec {
  id: string;
  trait: TraitSet;
  settings: PipelineSettings;
}

/** A rollout to generate: everything but the response. */
export type RolloutPlan = Omit<RolloutRecord, 'response' | 'tokens' | 'finish'> & { steering?: SteeringTerm[] | null };

export function rolloutId(
  runId: string,
  split: RolloutRecord['split'],
  side: RolloutRecord['side'],
  question: number,
  instruction: number,
  sample: number,
): string {
  return `${runId}:${split}:${side}:q${question}:i${instruction}:s${sample}`;
}

/**
 * The persona of one side: "You are a/an {trait} assistant. {instruction}" (or the negative name) in
 * chat, a narrator's framing of the same in completion (promptFormat.ts).
 */
export function sideSystemPrompt(
  trait: TraitSet,
  side: Side,
  instruction: string,
  negativeName: PipelineSettings['negativeName'],
  format: PromptFormat = 'chat',
): string {
  const who = side === 'neg' && negativeName === 'helpful' ? { name: trait.name } : trait;
  return personaFraming(format, who, side, instruction);
}

export function messagesOf(r: Pick<RolloutRecord, 'system' | 'user'>): ChatMessage[] {
  return r.system === null
    ? [{ role: 'user', content: r.user }]
    : [
        { role: 'system', content: r.system },
        { role: 'user', content: r.user },
      ];
}

/** The questions, instruction pairs and sample count a split uses under the settings. */
export function splitPlanShape(run: RunSpec, split: Split): { questions: string[]; instructions: number; samples: number } {
  const s = run.settings;
  if (split === 'extraction') {
    return {
      questions: run.trait.extraction_questions.slice(0, s.maxExtractionQuestions ?? Infinity),
      instructions: Math.min(run.trait.instruction.length, s.maxInstructions ?? Infinity),
      samples: s.samples,
    };
  }
  return {
    questions: run.trait.evaluation_questions.slice(0, s.maxEvaluationQuestions ?? Infinity),
    instructions: Math.min(run.trait.instruction.length, s.evaluationInstructions),
    samples: 1,
  };
}

/** Every rollout of a split, pos and neg, in a fixed order. */
export function planRollouts(run: RunSpec, split: Split, format: PromptFormat = 'chat'): RolloutPlan[] {
  const { questions, instructions, samples } = splitPlanShape(run, split);
  const out: RolloutPlan[] = [];
  for (const side of ['pos', 'neg'] as const) {
    for (let q = 0; q < questions.length; q++) {
      for (let i = 0; i < instructions; i++) {
        const pair = run.trait.instruction[i];
        const system = sideSystemPrompt(run.trait, side, side === 'pos' ? pair.pos : pair.neg, run.settings.negativeName, format);
        for (let s = 0; s < samples; s++) {
          out.push({
            id: rolloutId(run.id, split, side, q, i, s),
            runId: run.id,
            split,
            side,
            question: q,
            instruction: i,
            sample: s,
            system,
            user: questions[q],
          });
        }
      }
    }
  }
  return out;
}

export interface GenerateOptions {
  step: PipelineStep;
  phase?: string;
  maxNewTokens: number;
  batchSize: number;
  /** null = greedy. */
  sampling: SamplingSettings | null;
  seed: number;
}

/**
 * The sampling seed of one rollout: from the run's seed, the sample index, the question and the
 * instruction pair, so that every question draws its own random numbers (rows sharing a seed draw
 * the same ones) and a rollout does not depend on the batch it lands in. The pos and neg rollouts of
 * one question share it: their difference then comes from the system prompt, not from sampling noise.
 */
export function rolloutSeed(seed: number, p: Pick<RolloutPlan, 'split' | 'question' | 'instruction' | 'sample'>): number {
  let h = 0x811c9dc5;
  for (const c of `${seed}:${p.sample}:${p.split}:${p.question}:${p.instruction}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  return h >>> 0;
}

/**
 * Generates the planned rollouts that are not stored yet and stores them batch by batch; returns
 * every planned rollout (stored or new) in plan order. Rows of one call share the position mode;
 * each row samples with its own seed (rolloutSeed).
 */
export async function generatePlanned(ctx: PipelineContext, plan: RolloutPlan[], opts: GenerateOptions): Promise<RolloutRecord[]> {
  const prefixes = [...new Set(plan.map((p) => p.id.slice(0, p.id.lastIndexOf(':q'))))];
  const stored = new Map<string, RolloutRecord>();
  for (const prefix of prefixes) for (const r of await ctx.storage.list<RolloutRecord>('rollouts', prefix + ':')) stored.set(r.id, r);
  const todo = plan.filter((p) => !stored.has(p.id));
  const progress = new PipelineProgressTracker(ctx, opts.step, plan.length, opts.phase);
  progress.skip(plan.length - todo.length, todo.length ? undefined : 'all rollouts were stored');
  // One engine call serves rows of one position mode.
  const groups = new Map<PositionMode, RolloutPlan[]>();
  for (const p of todo) {
    const positions = p.positions ?? 'response';
    if (!groups.has(positions)) groups.set(positions, []);
    groups.get(positions)!.push(p);
  }
  let generated = 0;
  const format = contextFormat(ctx);
  for (const [positions, items] of groups) {
    for (const batch of chunks(items, opts.batchSize)) {
      checkCancelled(ctx.signal);
      const rows = await generateRows(
        ctx.engine,
        {
          rows: batch.map((p) => ({ prompt: questionPrompt(format, p), steering: p.steering ?? null, seed: rolloutSeed(opts.seed, p) })),
          maxNewTokens: opts.maxNewTokens,
          sampling: opts.sampling ?? GREEDY,
          positions,
        },
        ctx.signal,
      );
      const records: RolloutRecord[] = batch.map((p, b) => {
        const { steering: _steering, ...rest } = p;
        return { ...rest, response: replyOf(format, rows[b].text), tokens: rows[b].tokenIds.length, finish: rows[b].finish };
      });
      await ctx.storage.putMany('rollouts', records);
      for (const r of records) stored.set(r.id, r);
      generated += batch.length;
      progress.advance(batch.length, `${generated} of ${todo.length} new responses`);
    }
  }
  return plan.map((p) => stored.get(p.id)!);
}

/** Step 1 for one split of a run. */
export function generateRollouts(ctx: PipelineContext, run: RunSpec, split: Split): Promise<RolloutRecord[]> {
  const s = run.settings;
  const sampling = split === 'extraction' && s.samples > 1 ? { temperature: s.temperature, topK: 0, topP: 1 } : null;
  return generatePlanned(ctx, planRollouts(run, split, contextFormat(ctx)), {
    step: 'rollouts',
    phase: split,
    maxNewTokens: s.maxNewTokens,
    batchSize: s.batchSize,
    sampling,
    seed: s.seed,
  });
}
