/**
 * Judges (docs/ARCHITECTURE.md §4 "Judge"): score a response 0–100 for the trait and for coherence.
 * Switchable: the loaded model itself (exact distribution over integer tokens), an
 * OpenAI-compatible endpoint (openaiJudge.ts), the demo model's lexicon judge, or none.
 */
import type { EngineApi } from '../../engine/api';
import { buildScoreTokenMap, judgeScoreFromLogits } from '../judgeScore';
import { DEMO_TRAIT_NAMES, isDemoTrait, judgeCoherence, judgeTrait } from '../lexiconJudge';
import { fillJudgePrompt, type TraitSet } from '../traitSet';
import { contextFormat, questionPrompt } from '../promptFormat';
import { captureRows } from './engineCalls';
import { chunks } from './progress';
import { PipelineError, type PipelineContext } from './types';

export type JudgeKind = 'self' | 'openai' | 'lexicon' | 'none';

export interface JudgeInput {
  question: string;
  answer: string;
}

export interface JudgeOutput {
  /** 0–100, null = no score (refusal, too little mass on integer tokens, or judge "none"). */
  trait: number | null;
  coherence: number | null;
}

export interface Judge {
  readonly kind: JudgeKind;
  /** Stable id of the judge's configuration (keys score records); never holds secrets. */
  readonly id: string;
  /** Items per call. */
  readonly batchSize: number;
  judge(items: JudgeInput[], signal?: AbortSignal): Promise<JudgeOutput[]>;
}

/**
 * Coherence judge prompt (our wording), scored like the trait prompt: one token, 0–100.
 */
export const COHERENCE_PROMPT = `Rate how coherent the following answer is, ignoring whether it is correct or what tone it takes.

Question:
[QUESTION START]
{question}
[QUESTION END]

Answer:
[ANSWER START]
{answer}
[ANSWER END]

0 means the answer is gibberish, broken text or endless repetition; 50 means it is understandable but rambling or partly off-topic; 100 means it is fluent, well-formed and addresses the question.
Reply with a single number between 0 and 100 and nothing else.`;

/** No judge: every pair is kept (use with filter judge "none"). */
export function noJudge(): Judge {
  return { kind: 'none', id: 'none', batchSize: 1_000, judge: async (items) => items.map(() => ({ trait: null, coherence: null })) };
}

/** The demo model's lexicon judge (src/persona/lexiconJudge.ts); only for the demo traits. */
export function lexiconJudge(trait: Pick<TraitSet, 'name'>): Judge {
  if (!isDemoTrait(trait.name)) {
    throw new PipelineError(
      'bad_input',
      `the lexicon judge knows only the demo traits (${DEMO_TRAIT_NAMES.join(', ')}), not "${trait.name}"`,
      'Use the self or OpenAI-compatible judge for other traits.',
    );
  }
  return {
    kind: 'lexicon',
    id: 'lexicon',
    batchSize: 1_000,
    judge: async (items) => items.map((it) => ({ trait: judgeTrait(trait.name, it.answer, it.question), coherence: judgeCoherence(it.answer) })),
  };
}

/** Token id → integer 0–100 over the whole vocabulary, read through engine.tokenize in chunks. */
export async function scoreTokenMap(engine: EngineApi, vocabSize: number, maxPositions: number): Promise<Map<number, number>> {
  const pairs: [number, string][] = [];
  const chunk = Math.max(1, Math.min(1024, maxPositions - 1));
  for (let start = 0; start < vocabSize; start += chunk) {
    const ids = Array.from({ length: Math.min(chunk, vocabSize - start) }, (_, i) => start + i);
    const { tokens } = await engine.tokenize({ ids });
    ids.forEach((id, i) => pairs.push([id, tokens[i]]));
  }
  return buildScoreTokenMap(pairs);
}

export interface SelfJudgeOptions {
  batchSize?: number;
  coherencePrompt?: string;
}

/**
 * The loaded model as judge: the trait's eval_prompt (and the coherence prompt) as a user turn;
 * the next-token logits give the exact distribution over integer tokens (judgeScore.ts).
 * Prompts longer than the model's context get no score.
 */
export function selfJudge(
  ctx: Pick<PipelineContext, 'engine' | 'info' | 'promptFormat'>,
  trait: Pick<TraitSet, 'eval_prompt'>,
  opts: SelfJudgeOptions = {},
): Judge {
  let map: Promise<Map<number, number>> | null = null;
  const coherencePrompt = opts.coherencePrompt ?? COHERENCE_PROMPT;
  const batchSize = opts.batchSize ?? 8;
  const scoreAll = async (prompts: string[], signal?: AbortSignal): Promise<(number | null)[]> => {
    map ??= scoreTokenMap(ctx.engine, ctx.info.vocabSize, ctx.info.maxPositions);
    const tokens = await map;
    if (tokens.size === 0) throw new PipelineError('judge', 'this model has no tokens that read as integers 0–100, so it cannot judge', 'Use another judge.');
    const out: (number | null)[] = [];
    for (const batch of chunks(prompts, batchSize)) {
      const rows = batch.map((content) => ({ prompt: questionPrompt(contextFormat(ctx), { system: null, user: content }) }));
      let captured;
      try {
        captured = await captureRows(ctx.engine, { rows, includeLogits: 'last', includeResid: false }, signal);
      } catch (e) {
        if ((e as { code?: string }).code !== 'bad_input') throw e;
        // One prompt is too long for the context: score the batch one by one.
        captured = [];
        for (const row of rows) {
          try {
            captured.push((await captureRows(ctx.engine, { rows: [row], includeLogits: 'last', includeResid: false }, signal))[0]);
          } catch (err) {
            if ((err as { code?: string }).code !== 'bad_input') throw err;
            captured.push(null);
          }
        }
      }
      for (const c of captured) out.push(c?.logits ? judgeScoreFromLogits(c.logits, tokens).score : null);
    }
    return out;
  };
  return {
    kind: 'self',
    id: 'self',
    batchSize,
    judge: async (items, signal) => {
      const traitScores = await scoreAll(
        items.map((it) => fillJudgePrompt(trait.eval_prompt, it.question, it.answer)),
        signal,
      );
      const coherence = await scoreAll(
        items.map((it) => fillJudgePrompt(coherencePrompt, it.question, it.answer)),
        signal,
      );
      return items.map((_, i) => ({ trait: traitScores[i], coherence: coherence[i] }));
    },
  };
}
