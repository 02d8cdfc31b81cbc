/**
 * What the store shows while the page's engine restarts its worker (state/engine.ts →
 * engineRestarted): loading while it restarts, then ready with the reloaded model and a note, or an
 * error that says to load the model again; the chat and everything saved stay as they were.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { getLab, resetLab, setLab } from '../store';
import { fakeInfo } from '../testing/fakeEngine';
import { engineRestarted } from './model';

const info = fakeInfo();
const turn = { id: 't1', user: 'hi', unsteered: 'a', steered: 'b', alphas: {}, layer: 1, seed: 0, status: 'done' as const };

describe('engine restarts in the store', () => {
  beforeEach(() => {
    resetLab();
    setLab({ loadState: 'ready', info, loadedId: info.id, turns: [turn] });
  });

  it('restarting → loading with the reason; restarted with the model → ready, the note in the status line', () => {
    engineRestarted({ phase: 'restarting', message: 'the engine worker stopped: boom. Restarting the engine and reloading the model…', model: null });
    expect(getLab()).toMatchObject({ loadState: 'loading', loadStage: expect.stringMatching(/^the engine worker stopped: boom/), info });
    engineRestarted({
      phase: 'restarted',
      message: 'the engine worker stopped: boom. The engine restarted and reloaded the model.',
      model: { ...info, backend: 'wasm' },
    });
    expect(getLab()).toMatchObject({
      loadState: 'ready',
      loadStage: null,
      modelError: null,
      engineNote: expect.stringMatching(/reloaded the model/),
      turns: [turn],
    });
  });

  it('a failed reload → an error that says to load the model again; the chat is kept', () => {
    engineRestarted({ phase: 'restarting', message: 'x', model: null });
    engineRestarted({ phase: 'restarted', message: 'the engine restarted, but reloading the model failed: gone', model: null });
    expect(getLab()).toMatchObject({
      loadState: 'error',
      info: null,
      modelError: { message: expect.stringMatching(/reloading the model failed/), hint: expect.stringMatching(/Load the model again/) },
      turns: [turn],
    });
  });

  it('with no model loaded, a restart only leaves a note', () => {
    setLab({ loadState: 'idle', info: null });
    engineRestarted({ phase: 'restarting', message: 'x', model: null });
    expect(getLab().loadState).toBe('idle');
    engineRestarted({ phase: 'restarted', message: 'the engine worker stopped. The engine restarted.', model: null });
    expect(getLab()).toMatchObject({ loadState: 'idle', modelError: null, engineNote: 'the engine worker stopped. The engine restarted.' });
  });
});
