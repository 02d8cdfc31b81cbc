/**
 * "Test connection" for an OpenAI-compatible endpoint: what works (the model list, chat, logprobs)
 * and, when something fails, which kind of failure it is and what to do. Two requests: GET /models
 * (skipped over when the server does not have it) and one judge-like chat completion asking for
 * one token with the top-20 logprobs.
 */
import { judgeScoreFromTopLogprobs } from '../judgeScore';
import { chatCompletion, checkEndpointConfig, EndpointError, listModels, type EndpointConfig, type EndpointProblemKind } from './openaiEndpoint';
import type { EndpointScoring } from './openaiJudge';

export interface EndpointCheckLine {
  ok: boolean;
  text: string;
}

export interface EndpointReport {
  /** Chat completions work: the endpoint can judge and write trait sets. */
  ok: boolean;
  /** Model ids from GET /models; null when the list could not be read. */
  models: string[] | null;
  /** How the lab will score with it: the paper's logprob expectation, or sampled numbers; null when chat fails. */
  scoring: EndpointScoring | null;
  /** Alternatives per token the endpoint sent (0 = no logprobs). */
  topLogprobs: number;
  /** What was checked, in order. */
  lines: EndpointCheckLine[];
  problem: { kind: EndpointProblemKind; message: string; hint?: string } | null;
}

/** The probe question: its answer is a number, so a judge-like reply is expected. */
export const PROBE_PROMPT = 'How many minutes are in an hour? Reply with a single number between 0 and 100 and nothing else.';

export async function checkEndpoint(config: EndpointConfig, signal?: AbortSignal): Promise<EndpointReport> {
  const lines: EndpointCheckLine[] = [];
  const fail = (e: unknown, models: string[] | null): EndpointReport => {
    if (!(e instanceof EndpointError)) throw e;
    let hint = e.hint;
    if (e.kind === 'model' && models?.length) hint = `It serves: ${models.slice(0, 12).join(', ')}${models.length > 12 ? ' …' : ''}. Pick one of those.`;
    lines.push({ ok: false, text: e.message });
    return { ok: false, models, scoring: null, topLogprobs: 0, lines, problem: { kind: e.kind, message: e.message, hint } };
  };
  try {
    checkEndpointConfig(config);
  } catch (e) {
    return fail(e, null);
  }
  const quick = { ...config, maxRetries: 0 };
  let models: string[] | null = null;
  try {
    models = await listModels(quick, { signal });
    lines.push({ ok: true, text: `reached ${config.baseUrl}: it lists ${models.length} model${models.length === 1 ? '' : 's'}` });
    if (models.length && !models.includes(config.model))
      lines.push({ ok: false, text: `"${config.model}" is not in the list (${models.slice(0, 6).join(', ')}${models.length > 6 ? ' …' : ''})` });
  } catch (e) {
    if (!(e instanceof EndpointError) || e.kind === 'unreachable' || e.kind === 'auth') return fail(e, null);
    lines.push({ ok: false, text: 'no model list (GET /models failed); trying chat anyway' });
  }
  try {
    const reply = await chatCompletion(
      quick,
      [{ role: 'user', content: PROBE_PROMPT }],
      { max_tokens: 1, temperature: 0, logprobs: true, top_logprobs: 20, seed: 0 },
      { signal },
    );
    lines.push({ ok: true, text: `chat works: "${config.model}" answered "${reply.text.slice(0, 40)}"` });
    const n = reply.topLogprobs?.length ?? 0;
    if (n > 0) {
      const s = judgeScoreFromTopLogprobs(reply.topLogprobs!);
      lines.push({
        ok: true,
        text: `logprobs work: ${n} alternatives for the first token (the paper's score uses up to 20)${s.score !== null ? `; the probe scores ${s.score.toFixed(1)}` : ''}`,
      });
      if (n < 20) lines.push({ ok: true, text: `only ${n} alternatives: scores use what there is` });
    } else {
      lines.push({
        ok: false,
        text: 'no logprobs: scores will be sampled (the number the judge writes), coarser than the paper\'s expectation, and marked "sampled" wherever they are shown',
      });
    }
    return { ok: true, models, scoring: n > 0 ? 'logprobs' : 'sampled', topLogprobs: n, lines, problem: null };
  } catch (e) {
    return fail(e, models);
  }
}
