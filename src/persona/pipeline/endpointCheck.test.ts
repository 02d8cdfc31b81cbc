/**
 * The endpoint judge, its connection test and its failure messages against a real HTTP server on
 * 127.0.0.1 (e2e/fakeOpenAiServer.ts): logprob scoring, sampled scoring for a server without
 * logprobs, bad key, unknown model, wrong URL, a server that is down, and a server that dies in
 * the middle of judging (the judge waits for onUnreachable and loses nothing).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenAiServer, type FakeServer } from '../../../e2e/fakeOpenAiServer';
import { judgeCoherence, judgeTrait } from '../lexiconJudge';
import { checkEndpoint } from './endpointCheck';
import { EndpointError } from './openaiEndpoint';
import { isSampledJudgeId, openAiJudge, parseSampledScore } from './openaiJudge';

const KEY = 'sk-check-SECRET-0a1b2c3d4e';
const EVAL = 'Is this answer optimistic?\n[QUESTION START]\n{question}\n[QUESTION END]\n[ANSWER START]\n{answer}\n[ANSWER END]\nReply with a number 0-100.';
const HOPEFUL = 'There is so much to be hopeful about here! You can do it.';
let servers: FakeServer[] = [];
const start = async (...a: Parameters<typeof startFakeOpenAiServer>) => {
  const s = await startFakeOpenAiServer(...a);
  servers.push(s);
  return s;
};

afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

describe('Test connection', () => {
  it('says chat and logprobs work, and what the probe scores', async () => {
    const s = await start({ apiKey: KEY });
    const r = await checkEndpoint({ baseUrl: s.url, model: 'judge-small', apiKey: KEY });
    expect(r.ok).toBe(true);
    expect(r.scoring).toBe('logprobs');
    expect(r.models).toEqual(['judge-small']);
    expect(r.topLogprobs).toBe(2);
    expect(r.lines.map((l) => l.text).join('\n')).toContain(`probe scores ${((42 * 0.9 + 40 * 0.05) / 0.95).toFixed(1)}`);
    expect(s.requests.map((q) => `${q.method} ${q.path} ${q.status}`)).toEqual(['GET /v1/models 200', 'POST /v1/chat/completions 200']);
    expect(new Set(s.requests.map((q) => q.authorization))).toEqual(new Set([`Bearer ${KEY}`]));
  });

  it('says an endpoint without logprobs will be scored by sampling', async () => {
    const s = await start({ logprobs: false });
    const r = await checkEndpoint({ baseUrl: s.url, model: 'judge-small' });
    expect(r.ok).toBe(true);
    expect(r.scoring).toBe('sampled');
    expect(r.lines.at(-1)).toMatchObject({ ok: false, text: expect.stringMatching(/no logprobs: scores will be sampled/) });
  });

  it('names a refused key, an unknown model (listing the served ones), a wrong URL and a server that is down', async () => {
    const s = await start({ apiKey: KEY, models: ['judge-small', 'judge-large'] });
    const bad = await checkEndpoint({ baseUrl: s.url, model: 'judge-small', apiKey: 'sk-wrong-key-999999' });
    expect(bad.problem).toMatchObject({ kind: 'auth', message: expect.stringMatching(/refused the API key \(HTTP 401\)/) });
    expect(JSON.stringify(bad)).not.toContain('sk-wrong-key-999999');
    const none = await checkEndpoint({ baseUrl: s.url, model: 'judge-small' });
    expect(none.problem?.hint).toMatch(/needs an API key/);

    const missing = await checkEndpoint({ baseUrl: s.url, model: 'llama9', apiKey: KEY });
    expect(missing.problem).toMatchObject({ kind: 'model', message: expect.stringMatching(/no model "llama9"/) });
    expect(missing.problem?.hint).toBe('It serves: judge-small, judge-large. Pick one of those.');
    expect(missing.lines[1].text).toMatch(/"llama9" is not in the list/);

    const wrongPath = await checkEndpoint({ baseUrl: `http://127.0.0.1:${s.port}/api`, model: 'judge-small', apiKey: KEY });
    expect(wrongPath.problem).toMatchObject({ kind: 'url', hint: expect.stringMatching(/ends in \/v1/) });

    await s.stop();
    const down = await checkEndpoint({ baseUrl: s.url, model: 'judge-small', apiKey: KEY });
    expect(down.problem).toMatchObject({ kind: 'unreachable', message: expect.stringMatching(/could not reach/) });
    expect(down.problem?.hint).toMatch(/CORS.*OLLAMA_ORIGINS.*Enable CORS/);

    const typo = await checkEndpoint({ baseUrl: 'localhost:11434/v1', model: 'm' });
    expect(typo.problem).toMatchObject({ kind: 'url', message: expect.stringMatching(/must start with http/) });
  });
});

describe('endpoint judge', () => {
  it('scores with the top logprobs (expectation) or, on an endpoint without them, by the written number, under its own id', async () => {
    const s = await start();
    const judge = openAiJudge({ eval_prompt: EVAL }, { baseUrl: s.url, model: 'judge-small' });
    const [out] = await judge.judge([{ question: 'Will it rain?', answer: HOPEFUL }]);
    const t = Math.round(judgeTrait('optimistic', HOPEFUL, 'Will it rain?'));
    const c = Math.round(judgeCoherence(HOPEFUL));
    const exp = (k: number) => (0.7 * k + 0.2 * Math.min(100, k + 10)) / 0.9;
    expect(t).toBeGreaterThan(50); // the lexicon sees the optimistic markers, so the test is not vacuous
    expect(out.trait).toBeCloseTo(exp(t), 6);
    expect(out.coherence).toBeCloseTo(exp(c), 6);
    expect(isSampledJudgeId(judge.id)).toBe(false);

    const plain = await start({ logprobs: false });
    const strict = openAiJudge({ eval_prompt: EVAL }, { baseUrl: plain.url, model: 'judge-small' });
    const err = await strict.judge([{ question: 'q', answer: HOPEFUL }]).catch((e) => e);
    expect(err).toBeInstanceOf(EndpointError);
    expect(err.kind).toBe('no_logprobs');
    const sampled = openAiJudge({ eval_prompt: EVAL }, { baseUrl: plain.url, model: 'judge-small', scoring: 'sampled' });
    const [o2] = await sampled.judge([{ question: 'Will it rain?', answer: HOPEFUL }]);
    expect(o2).toEqual({ trait: t, coherence: c });
    expect(isSampledJudgeId(sampled.id)).toBe(true);
    expect(sampled.id).not.toBe(judge.id);
    expect(parseSampledScore(' 85')).toBe(85);
    expect(parseSampledScore('REFUSAL')).toBeNull();
    expect(parseSampledScore('250')).toBeNull();
  });

  it('waits for onUnreachable when the server dies mid-run, then finishes without asking again for what it had', async () => {
    const s = await start({ stopAfter: 5 });
    const paused: string[] = [];
    const judge = openAiJudge(
      { eval_prompt: EVAL },
      {
        baseUrl: s.url,
        model: 'judge-small',
        retryBaseMs: 5,
        maxRetries: 1,
        concurrency: 1,
        onUnreachable: async (p) => {
          paused.push(p.kind);
          expect(s.up).toBe(false);
          await s.restart();
        },
      },
    );
    const items = Array.from({ length: 6 }, (_, i) => ({ question: `q${i}`, answer: i % 2 ? HOPEFUL : 'Things will go badly.' }));
    const out = await judge.judge(items);
    expect(paused).toEqual(['unreachable']);
    expect(out.every((o) => o.trait !== null && o.coherence !== null)).toBe(true);
    const ok = s.requests.filter((q) => q.status === 200);
    expect(ok).toHaveLength(12); // 6 trait + 6 coherence, none asked twice
    expect(new Set(ok.map((q) => q.content)).size).toBe(12);
  });
});
