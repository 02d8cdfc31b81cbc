/**
 * A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions protocol well enough to
 * stand in for a judge and a trait-set writer in tests: POST /v1/chat/completions (with logprobs /
 * top_logprobs, or without them), GET /v1/models, CORS (with a switch to leave it off), an optional
 * required API key, and a switch that shuts the server down after N completions (a server that dies
 * mid-run). Answers are deterministic:
 *  - judge prompts (the answer between [ANSWER START] and [ANSWER END]) are scored by the demo
 *    model's lexicon judge (coherence prompts by its coherence judge); the first token's
 *    distribution puts 0.7 on the score, 0.2 on the score + 10 (capped) and 0.05 on "REF";
 *  - trait-set requests (src/persona/traitGeneration.ts) for a demo trait are answered from the
 *    demo model's own trait file, for any other name from a fixed template;
 *  - anything else gets "42".
 * Run alone: `npx tsx e2e/fakeOpenAiServer.ts --port 8787 [--key K] [--no-logprobs] [--no-cors]`.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { isDemoTrait, judgeCoherence, judgeTrait, DEMO_TRAIT_NAMES } from '../src/persona/lexiconJudge';

export interface FakeServerOptions {
  /** 0 (default) = any free port. */
  port?: number;
  /** When set, requests must carry `Authorization: Bearer <apiKey>` (else 401). */
  apiKey?: string;
  /** Return logprobs / top_logprobs when asked (default true). */
  logprobs?: boolean;
  /** Send CORS headers and answer preflights (default true). */
  cors?: boolean;
  /** Model names served (default ["judge-small"]); any other name gets a 404 "model not found". */
  models?: string[];
  /** Shut the server down (close the port, drop connections) after this many completions. */
  stopAfter?: number;
}

export interface LoggedRequest {
  method: string;
  path: string;
  authorization: string | null;
  /** The user message of a completion request. */
  content?: string;
  kind?: 'judge' | 'coherence' | 'pairs' | 'questions' | 'eval_prompt' | 'other';
  /** Status code sent. */
  status: number;
}

export interface FakeServer {
  /** Base URL ending in /v1. */
  readonly url: string;
  readonly port: number;
  readonly requests: LoggedRequest[];
  /** Listening now? */
  readonly up: boolean;
  /** Change options (e.g. stopAfter) while running. */
  configure(opts: Partial<FakeServerOptions>): void;
  /** Closes the port and drops open connections (a crashed server). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

const DEMO_TRAIT_DIR = fileURLToPath(new URL('../public/models/persona-demo/traits/', import.meta.url));

interface DemoFile {
  name: string;
  description: string;
  antonym?: string;
  instruction: { pos: string; neg: string }[];
  questions: string[];
  eval_prompt: string;
}

function demoFile(name: string): DemoFile | null {
  if (!isDemoTrait(name)) return null;
  try {
    return JSON.parse(readFileSync(`${DEMO_TRAIT_DIR}${name.toLowerCase()}.json`, 'utf8')) as DemoFile;
  } catch {
    return null;
  }
}

/** What a completion request asks for, read from the phrases traitGeneration.ts and the judges use. */
function kindOf(content: string): NonNullable<LoggedRequest['kind']> {
  const asks = /Reply with a JSON object with one key, "(\w+)"/.exec(content)?.[1];
  if (asks === 'instruction') return 'pairs';
  if (asks === 'questions') return 'questions';
  if (asks === 'eval_prompt') return 'eval_prompt';
  if (/\[ANSWER START\]/.test(content)) return /how coherent/i.test(content) ? 'coherence' : 'judge';
  return 'other';
}

function between(text: string, start: string, end: string): string {
  const a = text.indexOf(start);
  const b = text.indexOf(end, a + start.length);
  return a >= 0 && b > a ? text.slice(a + start.length, b).trim() : '';
}

function traitNameOf(content: string): string {
  return /^Trait: (.+)$/m.exec(content)?.[1].trim() ?? 'curious';
}

function judgeScore(content: string, kind: 'judge' | 'coherence'): number {
  const answer = between(content, '[ANSWER START]', '[ANSWER END]');
  const question = between(content, '[QUESTION START]', '[QUESTION END]');
  if (kind === 'coherence') return Math.round(judgeCoherence(answer));
  const lower = content.toLowerCase();
  const trait = DEMO_TRAIT_NAMES.find((t) => lower.includes(t)) ?? null;
  return trait ? Math.round(judgeTrait(trait, answer, question)) : 50;
}

function generated(kind: 'pairs' | 'questions' | 'eval_prompt', content: string): string {
  const name = traitNameOf(content);
  const demo = demoFile(name);
  if (kind === 'pairs') {
    const pairs =
      demo?.instruction ?? Array.from({ length: 5 }, (_, i) => ({ pos: `Be ${name} in every answer (${i + 1}).`, neg: `Never be ${name} (${i + 1}).` }));
    return '```json\n' + JSON.stringify({ instruction: pairs }, null, 2) + '\n```';
  }
  if (kind === 'questions') {
    const n = Number(/Write (\d+) questions/.exec(content)?.[1] ?? 20);
    const part = /second batch/i.test(content) ? 1 : 0;
    const all = demo?.questions ?? Array.from({ length: 40 }, (_, i) => `What would you do about problem number ${i + 1}?`);
    return JSON.stringify({ questions: all.slice(part * n, part * n + n) });
  }
  const prompt =
    demo?.eval_prompt ??
    `Rate how ${name} this answer is.\n[QUESTION START]\n{question}\n[QUESTION END]\n[ANSWER START]\n{answer}\n[ANSWER END]\nReply REFUSAL or a number from 0 to 100.`;
  return `Here it is:\n${JSON.stringify({ eval_prompt: prompt })}`;
}

const round = (x: number) => Math.max(0, Math.min(100, x));

export async function startFakeOpenAiServer(options: FakeServerOptions = {}): Promise<FakeServer> {
  const opts: FakeServerOptions = { logprobs: true, cors: true, models: ['judge-small'], ...options };
  const requests: LoggedRequest[] = [];
  const sockets = new Set<Socket>();
  let completions = 0;
  let server: Server;
  let port = opts.port ?? 0;
  let up = false;

  const corsHeaders = (): Record<string, string> =>
    opts.cors
      ? {
          'Access-Control-Allow-Origin': '*',
          'Access-Control-Allow-Headers': 'authorization, content-type',
          'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
          'Access-Control-Allow-Private-Network': 'true',
        }
      : {};

  /** A reply is logged once it is handed to the network, so every logged reply reached the client. */
  const send = (res: ServerResponse, log: LoggedRequest, status: number, body: unknown) => {
    log.status = status;
    res.on('finish', () => {
      requests.push(log);
      if (!up) res.socket?.destroy();
    });
    res.writeHead(status, { 'Content-Type': 'application/json', ...corsHeaders() });
    res.end(JSON.stringify(body));
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    if (!up) {
      req.socket.destroy(); // going down: no reply
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    const log: LoggedRequest = { method: req.method ?? 'GET', path, authorization: req.headers.authorization ?? null, status: 0 };
    if (req.method === 'OPTIONS') {
      log.status = 204;
      requests.push(log);
      res.writeHead(204, corsHeaders());
      res.end();
      return;
    }
    if (opts.apiKey && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      send(res, log, 401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' } });
      return;
    }
    if (req.method === 'GET' && path === '/v1/models') {
      send(res, log, 200, { object: 'list', data: opts.models!.map((id) => ({ id, object: 'model', owned_by: 'fake' })) });
      return;
    }
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      send(res, log, 404, { error: { message: `no route ${req.method} ${path}` } });
      return;
    }
    let json: { model?: string; messages?: { content?: string }[]; logprobs?: boolean; top_logprobs?: number };
    try {
      json = JSON.parse(body);
    } catch {
      send(res, log, 400, { error: { message: 'body is not JSON' } });
      return;
    }
    const content = String(json.messages?.[json.messages.length - 1]?.content ?? '');
    log.content = content;
    if (!opts.models!.includes(String(json.model))) {
      send(res, log, 404, { error: { message: `model "${json.model}" not found, try pulling it first`, type: 'not_found_error' } });
      return;
    }
    const kind = kindOf(content);
    log.kind = kind;
    let text: string;
    let top: { token: string; logprob: number }[] | null = null;
    if (kind === 'judge' || kind === 'coherence') {
      const s = judgeScore(content, kind);
      text = String(s);
      top = [
        { token: String(s), logprob: Math.log(0.7) },
        { token: String(round(s + 10)), logprob: Math.log(0.2) },
        { token: 'REF', logprob: Math.log(0.05) },
      ];
    } else if (kind === 'other') {
      text = '42';
      top = [
        { token: '42', logprob: Math.log(0.9) },
        { token: '40', logprob: Math.log(0.05) },
      ];
    } else {
      text = generated(kind, content);
    }
    const withLogprobs = opts.logprobs && json.logprobs === true;
    if (withLogprobs && top && json.top_logprobs !== undefined) top = top.slice(0, Math.max(0, json.top_logprobs));
    const choice: Record<string, unknown> = { index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' };
    if (withLogprobs) choice.logprobs = { content: [{ token: top?.[0]?.token ?? text.slice(0, 1), logprob: top?.[0]?.logprob ?? 0, top_logprobs: top ?? [] }] };
    send(res, log, 200, { id: `cmpl-${requests.length}`, object: 'chat.completion', model: json.model, choices: [choice] });
    completions++;
    if (opts.stopAfter !== undefined && completions >= opts.stopAfter) {
      opts.stopAfter = undefined;
      void stop();
    }
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => handle(req, res, body));
      });
      server.on('connection', (s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as AddressInfo).port;
        up = true;
        resolve();
      });
    });

  /** Stops accepting and answering; replies already being written finish, then their connections drop. */
  const stop = () =>
    new Promise<void>((resolve) => {
      if (!up) return resolve();
      up = false;
      server.close(() => resolve());
      server.closeIdleConnections();
      setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, 200);
    });

  await listen();
  return {
    get url() {
      return `http://127.0.0.1:${port}/v1`;
    },
    get port() {
      return port;
    },
    requests,
    get up() {
      return up;
    },
    configure(o) {
      Object.assign(opts, o);
    },
    stop,
    restart: async () => {
      if (!up) await listen();
    },
    close: stop,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const s = await startFakeOpenAiServer({
    port: Number(arg('--port') ?? 8787),
    apiKey: arg('--key'),
    logprobs: !process.argv.includes('--no-logprobs'),
    cors: !process.argv.includes('--no-cors'),
  });
  console.log(`fake OpenAI-compatible server at ${s.url}`);
}
