/**
 * The steering controls do not re-render while a reply streams (issue 19): on the real demo
 * model, every store write during a generation is fed to the controls' own selector with the
 * shallow comparison useShallow makes; the streamed tokens write the store many times and the
 * selected view never changes, where the bare `useLab()` the controls used before re-rendered
 * on every one of those writes. A slider move does change it (the check can fail).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shallow } from 'zustand/shallow';
import type { Engine } from '../../engine/engine';
import { hasDemoModel } from '../../engine/testing/paths';
import { sendMessage, settled } from '../../state/actions/chat';
import { setAlpha } from '../../state/actions/steering';
import { getLab, lab, type LabState } from '../../state/store';
import { openDemoLab, seededVector } from '../../state/testing/demoLab';
import { steeringControlsView } from './SteeringControls';

/** How many of the store's writes would re-render a component reading `select` through useShallow, and how many writes there were. */
function countRenders(select: (s: LabState) => object): { writes: number; renders: number; stop: () => void } {
  const out = { writes: 0, renders: 0, stop: () => {} };
  let last = select(getLab());
  out.stop = lab.subscribe((s) => {
    out.writes++;
    const next = select(s);
    if (!shallow(last, next)) out.renders++;
    last = next;
  });
  return out;
}

describe.skipIf(!hasDemoModel())('steering controls while a reply streams', () => {
  let engine: Engine;
  beforeAll(async () => {
    ({ engine } = await openDemoLab((info) => ({ maxNewTokens: 16, vectors: { bold: seededVector('bold', info, 3) }, active: ['bold'], alphas: { bold: 2 } })));
  });
  afterAll(() => engine?.unload());

  it('stream many store writes, none of which changes what the controls show', async () => {
    const whole = countRenders((s) => ({ s }));
    const controls = countRenders(steeringControlsView);
    await sendMessage('How can I get better at drawing?');
    await settled();
    whole.stop();
    controls.stop();
    const turn = getLab().turns[0];
    expect(turn.status).toBe('done');
    expect(turn.steered.length).toBeGreaterThan(0);
    // the turn, its streamed text, `generating` on and off, the monitor: several writes
    expect(controls.writes).toBeGreaterThanOrEqual(4);
    expect(whole.renders).toBe(controls.writes);
    expect(controls.renders).toBe(0);

    const move = countRenders(steeringControlsView);
    setAlpha('bold', 3, false);
    move.stop();
    expect(move.renders).toBe(1);
  });
});
