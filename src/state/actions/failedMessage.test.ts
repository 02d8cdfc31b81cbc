/**
 * A failed message leaves the chat as it was (issue 20), on the real demo model: a message longer
 * than its 256-token context is refused by the engine; the turn leaves the history, its text goes
 * back into the box, the error says so, and the next message gets its replies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../engine/engine';
import { hasDemoModel } from '../../engine/testing/paths';
import { getLab, setLab } from '../store';
import { openDemoLab } from '../testing/demoLab';
import { sendMessage, settled } from './chat';

describe.skipIf(!hasDemoModel())('a message the model cannot take (demo model)', () => {
  let engine: Engine;
  beforeAll(async () => {
    ({ engine } = await openDemoLab({ maxNewTokens: 8 }));
  });
  afterAll(() => engine?.unload());

  it('leaves the history, goes back into the box, and does not poison the next message', async () => {
    await sendMessage('Hello there');
    await settled();
    const first = getLab().turns;
    expect(first).toHaveLength(1);
    expect(first[0].status).toBe('done');

    const long = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
    setLab({ draft: long });
    await sendMessage();
    await settled();
    expect(getLab().turns).toEqual(first);
    expect(getLab().draft).toBe(long);
    expect(getLab().chatError?.message).toMatch(/^the prompt has \d+ tokens; this model's context holds 256$/);
    expect(getLab().chatError?.hint).toMatch(/^Your message is back in the box below/);

    setLab({ draft: '' });
    await sendMessage('How do I keep my plants alive?');
    await settled();
    const turns = getLab().turns;
    expect(turns.map((t) => [t.user, t.status])).toEqual([
      ['Hello there', 'done'],
      ['How do I keep my plants alive?', 'done'],
    ]);
    expect(turns[1].steered.length).toBeGreaterThan(0);
    expect(getLab().chatError).toBeNull();
  });
});
