/**
 * An OpenAI-compatible chat-completions endpoint as judge: one completion token with the top-20
 * logprobs, scored with the paper's formula (judgeScore.ts). Retries with exponential backoff on
 * 429 and 5xx (honouring Retry-After). The API key lives only in this closure: it is never stored,
 * exported, put in the judge's id or in an error message.
 */
import { judgeScoreFromTopLogprobs, type TopLogprob } from '../judgeScore';
import { fillJudgePrompt, type TraitSet } from '../traitSet';
import { COHERENCE_PROMPT, type Judge, type JudgeOutput } from './judges';
import { PipelineError } from './types';

export interface OpenAiJudgeConfig {
  /** e.g. https://api.openai.com/v1 (the path /chat/completions is appended). */
  baseUrl: string;
  model: string;
  /** Held in memory only. */
  apiKey?: string;
  /** Retries after the first try on 429 / 5xx / network errors (default 4). */
  maxRetries?: number;
  /** First backoff delay in ms, doubled each retry (default 500). */
  retryBaseMs?: number;
  /** Longest wait honoured from a Retry-After header, ms (default 30 000). */
  maxRetryAfterMs?: number;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  coherencePrompt?: string;
  fetch?: typeof fetch;
}

/** The judge's configuration without the key (what may be stored with a run). */
export function describeOpenAiJudge(c: OpenAiJudgeConfig): { kind: 'openai'; baseUrl: string; model: string } {
  return { kind: 'openai', baseUrl: c.baseUrl, model: c.model };
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new PipelineError('cancelled', 'the pipeline was cancelled'));
    }, { once: true });
  });

export function openAiJudge(trait: Pick<TraitSet, 'eval_prompt'>, config: OpenAiJudgeConfig): Judge {
  const { baseUrl, model } = config;
  if (!/^https?:\/\//.test(baseUrl)) throw new PipelineError('bad_input', `judge base URL must start with http:// or https://, got "${baseUrl}"`);
  if (!model) throw new PipelineError('bad_input', 'the judge model name is empty');
  const apiKey = config.apiKey;
  const doFetch = config.fetch ?? globalThis.fetch.bind(globalThis);
  const maxRetries = config.maxRetries ?? 4;
  const base = config.retryBaseMs ?? 500;
  const maxAfter = config.maxRetryAfterMs ?? 30_000;
  const url = baseUrl.replace(/\/+$/, '') + '/chat/completions';
  const coherencePrompt = config.coherencePrompt ?? COHERENCE_PROMPT;

  async function score(content: string, signal?: AbortSignal): Promise<number | null> {
    const body = JSON.stringify({ model, messages: [{ role: 'user', content }], max_tokens: 1, temperature: 0, logprobs: true, top_logprobs: 20, seed: 0 });
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (apiKey) headers.Authorization = `Bearer ${apiKey}`;
    for (let attempt = 0; ; attempt++) {
      let status = 0;
      let retryAfterMs: number | null = null;
      let why = '';
      try {
        const res = await doFetch(url, { method: 'POST', headers, body, signal });
        status = res.status;
        if (res.ok) {
          const json = (await res.json()) as { choices?: { logprobs?: { content?: { top_logprobs?: TopLogprob[] }[] } }[] };
          const top = json.choices?.[0]?.logprobs?.content?.[0]?.top_logprobs;
          if (!Array.isArray(top)) throw new PipelineError('judge', `the judge at ${baseUrl} returned no top_logprobs; the endpoint must support logprobs with top_logprobs`);
          return judgeScoreFromTopLogprobs(top).score;
        }
        const ra = res.headers.get('retry-after');
        if (ra !== null && Number.isFinite(Number(ra))) retryAfterMs = Math.min(maxAfter, Number(ra) * 1000);
        why = `HTTP ${status}`;
        await res.text().catch(() => '');
        if (status !== 429 && status < 500) {
          throw new PipelineError('judge', `the judge at ${baseUrl} answered ${why}${status === 401 || status === 403 ? ' (check the API key)' : status === 404 ? ' (check the base URL and model name)' : ''}`);
        }
      } catch (e) {
        if (e instanceof PipelineError) throw e;
        if (signal?.aborted) throw new PipelineError('cancelled', 'the pipeline was cancelled');
        why = `network error (${(e as Error)?.name ?? 'Error'})`;
      }
      if (attempt >= maxRetries) throw new PipelineError('judge', `the judge at ${baseUrl} failed after ${attempt + 1} tries: ${why}`, 'Check the endpoint or try again later.');
      await sleep(retryAfterMs ?? base * 2 ** attempt, signal);
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
    id: `openai:${baseUrl}:${model}`,
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
