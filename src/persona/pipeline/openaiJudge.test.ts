import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../storage';
import { describeOpenAiJudge, openAiJudge, PipelineError, runPipeline } from './index';
import { FAKE_INFO, FAKE_TRAIT, FakeEngine } from './testing/fakeEngine';

const KEY = 'sk-test-SECRET-1234567890';
let server: Server;
let base = '';
const seen: { auth?: string; body: Record<string, unknown> }[] = [];
let plan: number[] = [];

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let s = '';
    req.on('data', (c) => (s += c));
    req.on('end', () => resolve(s));
  });
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = JSON.parse(await read(req));
    seen.push({ auth: req.headers.authorization, body });
    const status = plan.shift() ?? 200;
    if (status !== 200) {
      res.writeHead(status, status === 429 ? { 'Retry-After': '0' } : {});
      res.end('{"error":"busy"}');
      return;
    }
    const content = body.messages[0].content as string;
    const top = /coherent/.test(content)
      ? [
          { token: '80', logprob: Math.log(0.5) },
          { token: '100', logprob: Math.log(0.5) },
        ]
      : /happy/.test(content)
        ? [
            { token: '90', logprob: Math.log(0.6) },
            { token: '70', logprob: Math.log(0.2) },
            { token: 'The', logprob: Math.log(0.2) },
          ]
        : /refuse/.test(content)
          ? [
              { token: 'REF', logprob: Math.log(0.9) },
              { token: '0', logprob: Math.log(0.1) },
            ]
          : [
              { token: '0', logprob: Math.log(0.9) },
              { token: '10', logprob: Math.log(0.1) },
            ];
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({
        choices: [{ message: { content: '90' }, logprobs: { content: [{ token: top[0].token, logprob: top[0].logprob, top_logprobs: top }] } }],
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('OpenAI-compatible judge (local server)', () => {
  it('retries 429 and 5xx with backoff, then scores from the top-20 logprobs with the paper formula', async () => {
    plan = [429, 503];
    seen.length = 0;
    const judge = openAiJudge(FAKE_TRAIT, { baseUrl: base, model: 'judge-1', apiKey: KEY, retryBaseMs: 5, concurrency: 1 });
    const [out] = await judge.judge([{ question: 'q', answer: 'happy day' }]);
    expect(seen).toHaveLength(4); // 429, 503, trait, coherence
    expect(out.trait).toBeCloseTo((90 * 0.6 + 70 * 0.2) / 0.8, 6);
    expect(out.coherence).toBeCloseTo(90, 6);
    expect(seen[0].auth).toBe(`Bearer ${KEY}`);
    expect(seen[2].body).toMatchObject({ model: 'judge-1', max_tokens: 1, logprobs: true, top_logprobs: 20 });
    // a refusal-like answer (Σp < 0.25 on integers) gets no score
    const [refused] = await judge.judge([{ question: 'q', answer: 'I refuse' }]);
    expect(refused.trait).toBeNull();
  });

  it('gives up after maxRetries with a one-line error that does not contain the key', async () => {
    plan = [500, 500, 500];
    const judge = openAiJudge(FAKE_TRAIT, { baseUrl: base, model: 'judge-1', apiKey: KEY, retryBaseMs: 1, maxRetries: 2 });
    const err = await judge.judge([{ question: 'q', answer: 'a' }]).catch((e) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect(err.message).toMatch(/failed \(HTTP 500\).*gave up after 3 tries/);
    expect(err.message).not.toContain(KEY);
    plan = [401];
    const e401 = await judge.judge([{ question: 'q', answer: 'a' }]).catch((e) => e);
    expect(e401.message).toMatch(/refused the API key \(HTTP 401\)/);
    plan = [];
  });

  it('never stores or exposes the key: not in the judge id, its description, or any stored record', async () => {
    const judge = openAiJudge(FAKE_TRAIT, { baseUrl: base, model: 'judge-1', apiKey: KEY, retryBaseMs: 1 });
    expect(judge.id).not.toContain(KEY);
    expect(JSON.stringify(judge)).not.toContain(KEY);
    expect(JSON.stringify(describeOpenAiJudge({ baseUrl: base, model: 'judge-1', apiKey: KEY }))).not.toContain(KEY);
    const storage = new MemoryStorage();
    const res = await runPipeline(
      { engine: new FakeEngine(), info: FAKE_INFO, storage },
      { trait: FAKE_TRAIT, judge, settings: { batchSize: 4, sweep: { alphas: [2], systemPrompt: null } } },
    );
    expect(res.counts.kept).toBe(6);
    expect(res.sweep!.best).not.toBeNull();
    for (const c of ['runs', 'rollouts', 'scores', 'activationMeans', 'vectors'] as const) {
      for (const r of await storage.list(c)) expect(JSON.stringify(r, (_k, v) => (ArrayBuffer.isView(v) ? [] : v))).not.toContain(KEY);
    }
  });
});
