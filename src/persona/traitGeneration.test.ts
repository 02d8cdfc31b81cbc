/**
 * Trait sets from a description, written by a real HTTP endpoint on 127.0.0.1
 * (e2e/fakeOpenAiServer.ts) and by the bundled demo model (which cannot write one: the result must
 * say so precisely, not pass as a trait set).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAiServer, type FakeServer } from '../../e2e/fakeOpenAiServer';
import { loadEngine } from '../cli/loadEngine';
import type { Engine } from '../engine/engine';
import { endpointWriter, extractJson, generateTraitSet, modelWriter, parseQuestions, type GenerationProgress } from './traitGeneration';

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeOpenAiServer({ apiKey: 'sk-gen-key-12345678' });
});
afterAll(() => server.close());

const writer = () => endpointWriter({ baseUrl: server.url, model: 'judge-small', apiKey: 'sk-gen-key-12345678' });

describe('trait set from a description', () => {
  it('asks for pairs, two disjoint batches of questions and a judge prompt, and returns a valid set', async () => {
    server.requests.length = 0;
    const progress: GenerationProgress[] = [];
    const out = await generateTraitSet({ name: 'optimistic', description: 'Looks on the bright side.', antonym: 'pessimistic' }, writer(), {
      onProgress: (p) => progress.push(p),
    });
    expect(out.validation.ok).toBe(true);
    if (!out.validation.ok) return;
    const t = out.validation.value;
    expect(t.instruction).toHaveLength(5);
    expect(t.extraction_questions).toHaveLength(20);
    expect(t.evaluation_questions).toHaveLength(20);
    expect(t.antonym).toBe('pessimistic');
    expect(t.eval_prompt).toContain('{question}');
    expect(out.notes).toEqual([]);
    expect(server.requests.map((r) => r.kind)).toEqual(['pairs', 'questions', 'questions', 'eval_prompt']);
    // the second batch is told what the first holds
    for (const q of t.extraction_questions) expect(server.requests[2].content).toContain(q);
    expect(server.requests[0].content).toMatch(/^Trait: optimistic$/m);
    expect(server.requests[0].content).toMatch(/^Opposite: pessimistic$/m);
    expect(progress.map((p) => `${p.step} ${p.done}/${p.total}`)).toEqual([
      'pairs 0/4',
      'extraction questions 1/4',
      'evaluation questions 2/4',
      'judge prompt 3/4',
      'judge prompt 4/4',
    ]);
  });

  it('stops when cancelled, between requests', async () => {
    server.requests.length = 0;
    const ac = new AbortController();
    const err = await generateTraitSet({ name: 'curious', description: 'Asks questions.' }, writer(), {
      signal: ac.signal,
      onProgress: (p) => {
        if (p.done === 1) ac.abort();
      },
    }).catch((e) => e);
    expect(err.code).toBe('cancelled');
    expect(server.requests.filter((r) => r.path.endsWith('completions'))).toHaveLength(1);
  });

  it('refuses a missing name or description before asking anything', async () => {
    await expect(generateTraitSet({ name: ' ', description: 'x' }, writer())).rejects.toThrow(/needs a name/);
    await expect(generateTraitSet({ name: 'kind', description: '' }, writer())).rejects.toThrow(/one-line description/);
  });

  it('reads JSON in fences and chatter, and numbered lists', () => {
    expect(extractJson('Sure!\n```json\n{"a": [1, "}"]}\n```')).toEqual({ a: [1, '}'] });
    expect(extractJson('Here: {"questions": ["a?"]} done')).toEqual({ questions: ['a?'] });
    expect(extractJson('no json')).toBeNull();
    expect(parseQuestions('Here are some:\n1. What is your favourite food?\n2) How do I fix a bike?\n- ok')).toEqual([
      'What is your favourite food?',
      'How do I fix a bike?',
    ]);
  });
});

describe('the loaded model as writer', () => {
  let engine: Engine;
  let maxPositions = 0;
  beforeAll(async () => {
    const loaded = await loadEngine('demo', { quiet: true });
    engine = loaded.engine;
    maxPositions = loaded.info.maxPositions;
  });
  afterAll(() => engine?.unload());

  it('the demo model cannot write a trait set: its context is too short for the instructions, and the error says what to use instead', async () => {
    const err = await generateTraitSet({ name: 'curious', description: 'Asks follow-up questions.' }, modelWriter(engine, maxPositions), {
      maxTokens: 48,
    }).catch((e) => e);
    expect(err.code).toBe('bad_input');
    expect(err.message).toMatch(new RegExp(`cannot write a trait set: the prompt has \\d+ tokens; this model's context holds ${maxPositions}`));
    expect(err.hint).toMatch(/judge endpoint/);
  });

  it('with a short enough request it writes, and what it wrote is validated, not passed through', async () => {
    const out = await generateTraitSet(
      { name: 'curious', description: 'Asks.' },
      async (messages, o, signal) => modelWriter(engine, maxPositions)([{ role: 'user', content: messages[1].content.split('\n')[0] }], o, signal),
      { maxTokens: 24 },
    );
    expect(out.validation.ok).toBe(false);
    if (out.validation.ok) return;
    const paths = out.validation.errors.map((e) => e.path);
    expect(paths).toContain('eval_prompt');
    expect(out.notes.map((n) => n.path)).toContain('instruction');
    expect(out.candidate.name).toBe('curious');
  });
});
