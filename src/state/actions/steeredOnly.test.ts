/**
 * A slider move regenerates only the steered reply (issue 18), on the real demo model: the
 * unsteered reply stays on screen, untouched, for the whole re-generation, and the steered reply
 * equals what re-generating both rows gives. A change that is not steering (the seed) redoes both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../engine/engine';
import { hasDemoModel } from '../../engine/testing/paths';
import { getLab, lab } from '../store';
import { openDemoLab, seededVector } from '../testing/demoLab';
import { flushRegenerate, runTurn, sendMessage, settled } from './chat';
import { setAlpha, setSteeringOption } from './steering';

describe.skipIf(!hasDemoModel())('a slider move on the demo model', () => {
  let engine: Engine;
  beforeAll(async () => {
    ({ engine } = await openDemoLab((info) => ({ maxNewTokens: 12, vectors: { bold: seededVector('bold', info, 3) }, active: ['bold'], alphas: { bold: 0 } })));
  });
  afterAll(() => engine?.unload());

  it('keeps the unsteered reply on screen and regenerates the steered one as a full run would', async () => {
    await sendMessage('How can I get better at drawing?');
    await settled();
    const { id, unsteered, steered } = getLab().turns[0];
    expect(unsteered.length).toBeGreaterThan(0);
    expect(steered).toBe(unsteered); // α = 0

    const seen: string[] = [];
    const stop = lab.subscribe((s) => seen.push(s.turns[0]?.unsteered));
    setAlpha('bold', 12);
    await flushRegenerate();
    await settled();
    stop();
    const moved = getLab().turns[0];
    expect(moved.status).toBe('done');
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([unsteered]));
    expect(moved.unsteered).toBe(unsteered);
    expect(moved.steered).not.toBe(unsteered);

    // both rows again (the unsteered one cleared while it runs): the same steered reply
    await runTurn(id);
    await settled();
    expect(getLab().turns[0].steered).toBe(moved.steered);
    expect(getLab().turns[0].unsteered).toBe(unsteered);
  });

  it('a seed change redoes both replies', async () => {
    const seen: string[] = [];
    const stop = lab.subscribe((s) => seen.push(s.turns[0]?.unsteered));
    setSteeringOption({ seed: 7 });
    await flushRegenerate();
    await settled();
    stop();
    expect(seen).toContain('');
    expect(getLab().turns[0].status).toBe('done');
  });
});
