/**
 * A base model (no chat template) through the pipeline: the GPT-2 conformance replica with a small
 * word-level tokenizer of its own (engine/testing/baseModelReplica.ts) and no chat_template.
 * Extraction, steering evaluation with the loaded model as judge, monitoring and screening run, and every prompt the engine is given is the completion text of
 * persona/promptFormat.ts, never a chat.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineApi, ModelInfo, PromptInput } from '../../engine/api';
import { loadFolderEngine } from '../../engine/nodeEngine';
import type { Engine } from '../../engine/engine';
import { writeBaseModelReplica } from '../../engine/testing/baseModelReplica';
import { MemoryStorage } from '../../storage/memory';
import { completionText, personaFraming, promptFormatOf, questionPrompt } from '../promptFormat';
import type { TraitSet } from '../traitSet';
import { extractActivations } from './activations';
import { selfJudge } from './judges';
import { projectText } from './monitor';
import { generateRollouts, type RunSpec } from './rollouts';
import { screenDataset } from './screenDataset';
import { steeringEval } from './steer';
import { DEFAULT_SETTINGS, type PipelineContext } from './types';

const TRAIT: TraitSet = {
  name: 'cheerful',
  description: 'sunny',
  antonym: 'gloomy',
  instruction: [{ pos: 'Be sunny.', neg: 'Be sad.' }],
  extraction_questions: ['How is the day ?', 'What is a day ?'],
  evaluation_questions: ['How is a day ?'],
  eval_prompt: 'Question : {question} Answer : {answer} How cheerful ?',
};

let dir: string;
let engine: Engine;
let info: ModelInfo;
/** Every prompt the pipeline handed the engine. */
const prompts: PromptInput[] = [];
let spy: EngineApi;

beforeAll(async () => {
  dir = writeBaseModelReplica();
  ({ engine, info } = await loadFolderEngine(dir));
  spy = {
    load: (r, p) => engine.load(r, p),
    unload: () => engine.unload(),
    tokenize: (p) => engine.tokenize(p),
    capture: (r, o) => (prompts.push(...r.rows.map((x) => x.prompt)), engine.capture(r, o)),
    generate: (r, e, o) => (prompts.push(...r.rows.map((x) => x.prompt)), engine.generate(r, e, o)),
  };
}, 60_000);

afterAll(async () => {
  await engine?.unload();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a base model without a chat template', () => {
  it('is detected, and its prompts are completion text', () => {
    expect(info.hasChatTemplate).toBe(false);
    expect(promptFormatOf(info)).toBe('completion');
    expect(promptFormatOf(info, 'chat')).toBe('chat');
    expect(questionPrompt('completion', { system: 'Frame.', user: 'Why?' })).toEqual({ text: 'Frame.\n\nQuestion: Why?\nAnswer:' });
    expect(questionPrompt('chat', { system: 'Frame.', user: 'Why?' })).toEqual({
      messages: [
        { role: 'system', content: 'Frame.' },
        { role: 'user', content: 'Why?' },
      ],
    });
  });

  it('extracts, steers, judges, monitors and screens on completion prompts', async () => {
    const ctx: PipelineContext = { engine: spy, info, storage: new MemoryStorage() };
    const run: RunSpec = { id: 'base', trait: TRAIT, settings: { ...DEFAULT_SETTINGS, maxNewTokens: 6, batchSize: 4, sweep: null } };

    // Rollouts: the persona is a narrator's framing, the question follows as "Question: … Answer:".
    prompts.length = 0;
    const rollouts = await generateRollouts(ctx, run, 'extraction');
    expect(rollouts).toHaveLength(4);
    const pos = rollouts.find((r) => r.side === 'pos' && r.question === 0)!;
    const neg = rollouts.find((r) => r.side === 'neg' && r.question === 0)!;
    expect(pos.system).toBe('What follows is an exchange with a cheerful assistant. The assistant had been told: "Be sunny."');
    expect(neg.system).toBe(personaFraming('completion', { name: 'cheerful' }, 'neg', 'Be sad.'));
    expect(neg.system).toContain('a helpful assistant');
    expect(prompts).toContainEqual({ text: `${pos.system}\n\nQuestion: How is the day ?\nAnswer:` });
    expect(prompts.every((p) => 'text' in p)).toBe(true);
    for (const r of rollouts) expect(r.response).not.toMatch(/\n\s*Question:/);

    // Extraction: activations over "prompt text + ' ' + response"; a non-zero vector per row.
    prompts.length = 0;
    const pairs = [0, 1].map((q) => ({
      pos: rollouts.find((r) => r.side === 'pos' && r.question === q)!,
      neg: rollouts.find((r) => r.side === 'neg' && r.question === q)!,
    }));
    const act = await extractActivations(ctx, run.id, pairs, { batchSize: 4 });
    expect(act.counts.pos + act.counts.neg + act.counts.empty).toBe(4);
    expect(prompts.length).toBe(4 - act.counts.empty);
    expect(prompts.every((p) => 'text' in p && p.text.endsWith('\nAnswer:'))).toBe(true);
    const vector = act.vectors.prompt_last;
    const H = info.hiddenSize;
    const lastRow = vector.data.subarray(2 * H, 3 * H);
    expect(Math.hypot(...lastRow)).toBeGreaterThan(1e-4);

    // Steering evaluation, judged by the loaded model itself on a completion prompt.
    prompts.length = 0;
    const judge = selfJudge(ctx, TRAIT);
    const { cells, rows } = await steeringEval(ctx, {
      runId: 'base-steer',
      vector,
      questions: TRAIT.evaluation_questions,
      systemPrompt: null,
      cells: [
        { layer: 1, alpha: 0 },
        { layer: 1, alpha: 40 },
      ],
      judge,
      maxNewTokens: 6,
      batchSize: 4,
    });
    expect(cells).toHaveLength(2);
    expect(prompts).toContainEqual({ text: completionText({ system: null, user: 'How is a day ?' }) });
    expect(prompts.some((p) => 'text' in p && p.text.startsWith('Question: Question : How is a day ?'))).toBe(true);
    expect(prompts.every((p) => 'text' in p)).toBe(true);
    expect(rows.some((r) => r.trait !== null)).toBe(true);
    const unsteered = rows.find((r) => r.alpha === 0)!;
    const steered = rows.find((r) => r.alpha === 40)!;
    expect(steered.response).not.toBe(unsteered.response);

    // Monitoring: per-token projections over a completion prompt and its answer.
    const projected = await projectText(
      ctx,
      { prompt: questionPrompt('completion', { system: null, user: 'How is the day ?' }), response: ' sunny' },
      vector,
      1,
    );
    expect(projected.tokens.slice(0, 2)).toEqual(['Question', ':']);
    expect(projected.projections.every(Number.isFinite)).toBe(true);
    expect(projected.tokens.length).toBe(projected.promptLength + 1);

    // Screening: dataset samples read as completion text, and the model's own answers generated the same way.
    prompts.length = 0;
    const report = await screenDataset(
      ctx,
      [
        { line: 1, prompt: 'How is the day ?', response: 'sunny day' },
        { line: 2, prompt: 'What is a day ?', response: 'sad day' },
      ],
      { vector, layer: 1, mode: 'both', maxNewTokens: 4 },
    );
    expect(report.rows).toHaveLength(2);
    expect(report.rows.every((r) => Number.isFinite(r.deltaP!))).toBe(true);
    expect(prompts).toContainEqual({ text: 'Question: What is a day ?\nAnswer:' });
    expect(prompts.every((p) => 'text' in p)).toBe(true);
  }, 120_000);
});
