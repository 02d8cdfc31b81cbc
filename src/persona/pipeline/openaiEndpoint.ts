/**
 * The HTTP side of an OpenAI-compatible endpoint (the hosted API, Ollama, LM Studio, llama.cpp's
 * server, vLLM …): POST {base}/chat/completions and GET {base}/models, retries with exponential
 * backoff on 429, 5xx and network errors (honouring Retry-After), and every failure turned into an
 * EndpointError that says which kind it is (unreachable, key refused, model not found …) and what
 * to do. The API key is only put in the Authorization header: never in an error, a log or a URL,
 * and text the server sends back is scrubbed of it before it is shown.
 */
import { PipelineError } from './types';

export interface EndpointConfig {
  /** e.g. https://api.openai.com/v1 or http://localhost:11434/v1 (paths are appended). */
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
  fetch?: typeof fetch;
}

export type EndpointProblemKind = 'unreachable' | 'auth' | 'model' | 'url' | 'rate_limit' | 'server' | 'bad_reply' | 'no_logprobs';

/** What went wrong talking to an endpoint (code 'judge' for the pipeline, `kind` for the UI). */
export class EndpointError extends PipelineError {
  constructor(
    readonly kind: EndpointProblemKind,
    message: string,
    hint?: string,
  ) {
    super('judge', message, hint);
  }
}

/** Whether a failure may go away by itself (worth a retry, or a pause until the server is back). */
export const isTransient = (kind: EndpointProblemKind): boolean => kind === 'unreachable' || kind === 'rate_limit' || kind === 'server';

/** How to let a page on another origin reach each kind of local server (CORS). */
export const CORS_HELP =
  'A server on another address must allow requests from this page (CORS): Ollama — start it with OLLAMA_ORIGINS set to this page\'s origin; LM Studio — turn on "Enable CORS" in the server settings; llama.cpp server — allowed by default; vLLM — --allowed-origins.';

export function checkEndpointConfig(c: Pick<EndpointConfig, 'baseUrl' | 'model'>): void {
  let u: URL | null = null;
  try {
    u = new URL(c.baseUrl);
  } catch {
    u = null;
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:'))
    throw new EndpointError(
      'url',
      `the endpoint's base URL must start with http:// or https://, got "${c.baseUrl.slice(0, 200)}"`,
      'For example http://localhost:11434/v1 (Ollama) or https://api.openai.com/v1.',
    );
  if (u.username || u.password)
    throw new EndpointError('url', 'the base URL must not hold a user name or password', 'Put a key in the API key field instead (it is kept in memory only).');
  if (!c.model.trim())
    throw new EndpointError('model', 'the endpoint model name is empty', 'Type the model name the server serves (Test connection lists them).');
}

/** `${base}/${path}` without doubled slashes. */
export function endpointUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** Server text made safe to show: the key (and anything that looks like a key) removed, length capped. */
export function scrub(text: string, apiKey?: string): string {
  let t = text;
  if (apiKey) t = t.split(apiKey).join('[key]');
  return t
    .replace(/\b(sk|key|pk|rk)-[A-Za-z0-9_*.-]{4,}/g, '[key]')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}

function serverMessage(body: string, apiKey?: string): string {
  try {
    const j = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    const m = typeof j.error === 'string' ? j.error : typeof j.error?.message === 'string' ? j.error.message : typeof j.message === 'string' ? j.message : '';
    return scrub(m, apiKey);
  } catch {
    return scrub(body, apiKey);
  }
}

/** The EndpointError for an HTTP status (and the server's own message). */
export function httpProblem(baseUrl: string, model: string, status: number, body: string, apiKey?: string): EndpointError {
  const said = serverMessage(body, apiKey);
  const quote = said ? ` — the server said: "${said}"` : '';
  if (status === 401 || status === 403) {
    return new EndpointError(
      'auth',
      `the endpoint at ${baseUrl} refused the API key (HTTP ${status})`,
      apiKey
        ? 'Check the key: paste it again (no spaces). A local server usually needs none: clear the field.'
        : "This endpoint needs an API key: paste it in the API key field (it stays in this tab's memory).",
    );
  }
  if ((status === 404 || status === 400) && /model/i.test(said)) {
    return new EndpointError(
      'model',
      `the endpoint at ${baseUrl} has no model "${model}" (HTTP ${status})${quote}`,
      'Use Test connection to list the models it serves, or load / pull the model on the server first.',
    );
  }
  if (status === 404 || status === 405) {
    return new EndpointError(
      'url',
      `nothing answers at ${baseUrl} for this request (HTTP ${status})${quote}`,
      'Check the base URL: it usually ends in /v1 (e.g. http://localhost:11434/v1).',
    );
  }
  if (status === 429)
    return new EndpointError(
      'rate_limit',
      `the endpoint at ${baseUrl} is rate-limiting requests (HTTP 429)${quote}`,
      'Wait a little and try again, or lower the number of requests.',
    );
  if (status >= 500)
    return new EndpointError(
      'server',
      `the endpoint at ${baseUrl} failed (HTTP ${status})${quote}`,
      'The server had a problem: check its log, then try again.',
    );
  return new EndpointError('bad_reply', `the endpoint at ${baseUrl} answered HTTP ${status}${quote}`, 'Check the base URL and model name.');
}

function networkProblem(baseUrl: string, e: unknown): EndpointError {
  const cause = (e as { cause?: { code?: string } })?.cause?.code;
  const detail = cause ? ` (${cause})` : '';
  return new EndpointError(
    'unreachable',
    `could not reach the endpoint at ${baseUrl}${detail}: nothing answered, or the server does not allow requests from this page (CORS)`,
    `Is the server running at that address? ${CORS_HELP}`,
  );
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(new PipelineError('cancelled', 'the pipeline was cancelled'));
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(new PipelineError('cancelled', 'the pipeline was cancelled'));
      },
      { once: true },
    );
  });

export interface RequestOptions {
  signal?: AbortSignal;
  /** Override the config's retry count (e.g. 0 for a connection test). */
  maxRetries?: number;
}

/**
 * One JSON request with retries: resolves to the parsed body of a 2xx answer, or throws an
 * EndpointError (or a 'cancelled' PipelineError when the signal aborts).
 */
export async function endpointRequest(
  config: EndpointConfig,
  method: 'GET' | 'POST',
  path: string,
  body: unknown,
  opts: RequestOptions = {},
): Promise<unknown> {
  const doFetch = config.fetch ?? globalThis.fetch.bind(globalThis);
  const maxRetries = opts.maxRetries ?? config.maxRetries ?? 4;
  const base = config.retryBaseMs ?? 500;
  const maxAfter = config.maxRetryAfterMs ?? 30_000;
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (config.apiKey) headers.Authorization = `Bearer ${config.apiKey}`;
  const url = endpointUrl(config.baseUrl, path);
  const text = body === undefined ? undefined : JSON.stringify(body);
  for (let attempt = 0; ; attempt++) {
    let problem: EndpointError;
    let retryAfterMs: number | null = null;
    try {
      const res = await doFetch(url, { method, headers, body: text, signal: opts.signal });
      const answer = await res.text();
      if (res.ok) {
        try {
          return JSON.parse(answer) as unknown;
        } catch {
          throw new EndpointError(
            'bad_reply',
            `the endpoint at ${config.baseUrl} sent something that is not JSON`,
            'Check the base URL: it should be the API root (usually ending in /v1), not a web page.',
          );
        }
      }
      problem = httpProblem(config.baseUrl, config.model, res.status, answer, config.apiKey);
      const ra = res.headers.get('retry-after');
      if (ra !== null && Number.isFinite(Number(ra))) retryAfterMs = Math.min(maxAfter, Number(ra) * 1000);
    } catch (e) {
      if (opts.signal?.aborted) throw new PipelineError('cancelled', 'the pipeline was cancelled');
      if (e instanceof PipelineError) throw e;
      problem = networkProblem(config.baseUrl, e);
    }
    if (!isTransient(problem.kind)) throw problem;
    if (attempt >= maxRetries)
      throw attempt === 0 ? problem : new EndpointError(problem.kind, `${problem.message} (gave up after ${attempt + 1} tries)`, problem.hint);
    await sleep(retryAfterMs ?? base * 2 ** attempt, opts.signal);
  }
}

export type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string };

export interface ChatReply {
  text: string;
  /** The first token's alternatives, when the endpoint sent logprobs. */
  topLogprobs: { token: string; logprob: number }[] | null;
}

interface CompletionBody {
  choices?: { message?: { content?: unknown }; logprobs?: { content?: { top_logprobs?: unknown }[] } | null }[];
}

/** POST /chat/completions; `extra` adds fields such as logprobs / top_logprobs. */
export async function chatCompletion(
  config: EndpointConfig,
  messages: ChatMessage[],
  extra: Record<string, unknown>,
  opts: RequestOptions = {},
): Promise<ChatReply> {
  const json = (await endpointRequest(config, 'POST', 'chat/completions', { model: config.model, messages, ...extra }, opts)) as CompletionBody;
  const choice = json?.choices?.[0];
  if (!choice || typeof choice !== 'object') {
    throw new EndpointError(
      'bad_reply',
      `the endpoint at ${config.baseUrl} sent a reply without choices`,
      'Is this an OpenAI-compatible chat endpoint? The base URL usually ends in /v1.',
    );
  }
  const top = choice.logprobs?.content?.[0]?.top_logprobs;
  const valid = Array.isArray(top)
    ? top.filter((t): t is { token: string; logprob: number } => typeof t?.token === 'string' && typeof t?.logprob === 'number')
    : null;
  return { text: typeof choice.message?.content === 'string' ? choice.message.content : '', topLogprobs: valid && valid.length > 0 ? valid : null };
}

/** GET /models: the model ids the server lists. */
export async function listModels(config: EndpointConfig, opts: RequestOptions = {}): Promise<string[]> {
  const json = (await endpointRequest(config, 'GET', 'models', undefined, opts)) as { data?: { id?: unknown }[]; models?: { name?: unknown }[] };
  const ids = (json?.data ?? []).map((m) => m?.id).filter((x): x is string => typeof x === 'string');
  if (ids.length === 0 && Array.isArray(json?.models)) return json.models.map((m) => m?.name).filter((x): x is string => typeof x === 'string');
  return ids;
}
