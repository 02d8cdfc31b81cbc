/**
 * An OpenAI-compatible chat-completions endpoint as judge (openaiEndpoint.ts does the HTTP).
 * Scoring "logprobs" is the paper's: one completion token with the top-20 logprobs, the 0–100
 * expectation over the integer tokens, no score below 0.25 of mass (judgeScore.ts). An endpoint
 * that sends no logprobs can be used with scoring "sampled": the number the judge writes (greedy),
 * a coarser score; such a judge has its own id ("openai-sampled:…"), so its scores are never mixed
 * with logprob scores and every place that shows a judge id can mark them (isSampledJudgeId).
 * When the endpoint stays unreachable after the retries, `onUnreachable` may pause the run until
 * the user says to go on (judged rows are stored batch by batch and kept). The API key lives only
 * in this closure: never stored, exported, put in the judge's id or in an error message.
 */
import { judgeScoreFromTopLogprobs } from '../judgeScore';
import { fillJudgePrompt, type TraitSet } from '../traitSet';
import { COHERENCE_PROMPT, type Judge, type JudgeOutput } from './judges';
import { chatCompletion, checkEndpointConfig, EndpointError, isTransient, type EndpointConfig } from './openaiEndpoint';

export type EndpointScoring = 'logprobs' | 'sampled';

export interface OpenAiJudgeConfig extends EndpointConfig {
  /** "logprobs" (default, the paper's expectation) or "sampled" (the written number) for endpoints without logprobs. */
  scoring?: EndpointScoring;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  coherencePrompt?: string;
  /**
   * Called when the endpoint is still unreachable (or failing with 5xx / 429) after the retries:
   * resolve to try again, reject to stop. Without it the judge throws.
   */
  onUnreachable?: (problem: EndpointError, signal?: AbortSignal) => Promise<void>;
}

/** The judge's configuration without the key (what may be stored with a run). */
export function describeOpenAiJudge(c: Pick<OpenAiJudgeConfig, 'baseUrl' | 'model'> & Partial<OpenAiJudgeConfig>): {
  kind: 'openai';
  baseUrl: string;
  model: string;
  scoring: EndpointScoring;
} {
  return { kind: 'openai', baseUrl: c.baseUrl, model: c.model, scoring: c.scoring ?? 'logprobs' };
}

export function openAiJudgeId(c: Pick<OpenAiJudgeConfig, 'baseUrl' | 'model' | 'scoring'>): string {
  return `${c.scoring === 'sampled' ? 'openai-sampled' : 'openai'}:${c.baseUrl}:${c.model}`;
}

/** Whether scores under this judge id are sampled numbers rather than the logprob expectation. */
export function isSampledJudgeId(id: string): boolean {
  return id.startsWith('openai-sampled:');
}

/** The integer 0–100 a sampled judge reply starts with; null for a refusal or anything else. */
export function parseSampledScore(text: string): number | null {
  const m = /^\s*(\d{1,3})(?:\.\d+)?\b/.exec(text);
  if (!m) return null;
  const k = Number(m[1]);
  return k <= 100 ? k : null;
}

export function openAiJudge(trait: Pick<TraitSet, 'eval_prompt'>, config: OpenAiJudgeConfig): Judge {
  checkEndpointConfig(config);
  const scoring = config.scoring ?? 'logprobs';
  const coherencePrompt = config.coherencePrompt ?? COHERENCE_PROMPT;
  const extra =
    scoring === 'logprobs' ? { max_tokens: 1, temperature: 0, logprobs: true, top_logprobs: 20, seed: 0 } : { max_tokens: 4, temperature: 0, seed: 0 };

  async function scoreOnce(content: string, signal?: AbortSignal): Promise<number | null> {
    const reply = await chatCompletion(config, [{ role: 'user', content }], extra, { signal });
    if (scoring === 'sampled') return parseSampledScore(reply.text);
    if (!reply.topLogprobs) {
      throw new EndpointError(
        'no_logprobs',
        `the judge at ${config.baseUrl} returned no top_logprobs, so the paper's score (an expectation over the first token's logprobs) cannot be computed`,
        'Use an endpoint that supports logprobs, or sampled scoring (the number the judge writes; coarser, and marked as sampled).',
      );
    }
    return judgeScoreFromTopLogprobs(reply.topLogprobs).score;
  }

  async function score(content: string, signal?: AbortSignal): Promise<number | null> {
    for (;;) {
      try {
        return await scoreOnce(content, signal);
      } catch (e) {
        if (!(e instanceof EndpointError) || !isTransient(e.kind) || !config.onUnreachable) throw e;
        await config.onUnreachable(e, signal); // resolves when the user resumes; throws to stop
      }
    }
  }

  async function mapLimited<T, R>(items: T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
    const out = new Array<R>(items.length);
    let next = 0;
    const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    });
    await Promise.all(workers);
    return out;
  }

  return {
    kind: 'openai',
    id: openAiJudgeId({ ...config, scoring }),
    batchSize: 8,
    async judge(items, signal): Promise<JudgeOutput[]> {
      const concurrency = Math.max(1, config.concurrency ?? 4);
      return mapLimited(items, concurrency, async (it) => ({
        trait: await score(fillJudgePrompt(trait.eval_prompt, it.question, it.answer), signal),
        coherence: await score(fillJudgePrompt(coherencePrompt, it.question, it.answer), signal),
      }));
    },
  };
}
