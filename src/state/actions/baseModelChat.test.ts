/**
 * Store-level: with a model that has no chat template, Chat and Monitor hand the engine the typed
 * text as plain text (persona/promptFormat.ts 'completion'): no system prompt, no earlier turns;
 * with a chat template the same actions send chat messages.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../storage';
import { setEngine } from '../engine';
import { stopPersistence } from '../persist';
import { setStorage } from '../storage';
import { getLab, resetLab, setLab } from '../store';
import { fakeEngine, fakeInfo } from '../testing/fakeEngine';
import { sendMessage, settled } from './chat';
import { loadModel } from './model';
import { analyseText } from './monitor';

async function open(hasChatTemplate: boolean) {
  resetLab();
  stopPersistence();
  const engine = fakeEngine({ ...fakeInfo(), hasChatTemplate });
  setEngine(engine);
  setStorage(new MemoryStorage());
  setLab({ modelText: 'fake/model', hubHost: 'https://huggingface.co' });
  expect(await loadModel()).toBe(true);
  setLab({ systemPrompt: 'You are terse.' });
  return engine;
}

describe('Chat and Monitor on a base model', () => {
  beforeEach(() => stopPersistence());

  it('sends the typed text alone, turn after turn, and the monitor reads plain text', async () => {
    const engine = await open(false);
    await sendMessage('Once upon a time');
    await settled();
    await sendMessage('The dragon said');
    await settled();
    expect(getLab().turns.map((t) => t.status)).toEqual(['done', 'done']);
    const prompts = engine.log.generates.flatMap((g) => g.rows.map((r) => r.prompt));
    expect(prompts.length).toBeGreaterThanOrEqual(4);
    expect(prompts.slice(0, 2)).toEqual([{ text: 'Once upon a time' }, { text: 'Once upon a time' }]);
    expect(prompts.slice(-2)).toEqual([{ text: 'The dragon said' }, { text: 'The dragon said' }]);
    engine.log.captures.length = 0;
    await analyseText('and then it rained', 'It was sunny');
    await analyseText('and then it rained');
    expect(engine.log.captures.map((c) => c.rows[0].prompt)).toEqual([{ text: 'It was sunny' }, { text: '\n' }]);
  });

  it('with a chat template the same actions send chat messages', async () => {
    const engine = await open(true);
    await sendMessage('Once upon a time');
    await settled();
    expect(engine.log.generates[0].rows[0].prompt).toEqual({
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Once upon a time' },
      ],
    });
    engine.log.captures.length = 0;
    await analyseText('and then it rained', 'It was sunny');
    expect(engine.log.captures[0].rows[0].prompt).toEqual({ messages: [{ role: 'user', content: 'It was sunny' }] });
  });
});
