/**
 * Cancel while a model loads: the load's signal is aborted, the lab shows no model, no error and a
 * "Loading cancelled" note at once, saved work is untouched, and the next load works. A load that
 * finishes just as it is cancelled leaves no model in the engine either. The engine is the store
 * tests' fake, whose load here waits until released and fails "cancelled" on abort, as the real
 * engine's does (src/engine/loadCancel.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallOptions, LoadProgress, LoadRequest } from '../../engine/api';
import { EngineError } from '../../engine/errors';
import { setEngine } from '../engine';
import { getLab, resetLab, setLab } from '../store';
import { fakeEngine, fakeInfo } from '../testing/fakeEngine';
import { cancelLoad, LOAD_CANCELLED_NOTE, loadModel } from './model';

const turn = { id: 't1', user: 'hi', unsteered: 'a', steered: 'b', alphas: {}, layer: 1, seed: 0, status: 'done' as const };

/** The fake engine, its load held until `release()`; it fails 'cancelled' when its signal aborts first. */
function holdingEngine() {
  const engine = fakeEngine();
  const signals: AbortSignal[] = [];
  let unloads = 0;
  let release = () => {};
  const load = engine.load;
  engine.load = async (request: LoadRequest, onProgress?: (p: LoadProgress) => void, options: CallOptions = {}) => {
    const signal = options.signal!;
    signals.push(signal);
    onProgress?.({ status: 'progress', file: 'onnx/model.onnx', loaded: 10, total: 100, overallLoaded: 10, overallTotal: 100, etaSeconds: 9 });
    await new Promise<void>((ok, fail) => {
      release = ok;
      signal.addEventListener('abort', () => fail(new EngineError('cancelled', 'loading the model was cancelled')), { once: true });
    });
    return load(request);
  };
  engine.unload = async () => void unloads++;
  return { engine, signals, unloads: () => unloads, release: () => release() };
}

describe('cancelling a model load', () => {
  beforeEach(() => {
    resetLab();
    setLab({ turns: [turn] });
  });
  afterEach(() => setEngine(null));

  it('aborts the load, shows no model, no error and a note; saved work stays; the next load works', async () => {
    const h = holdingEngine();
    setEngine(h.engine);
    const loading = loadModel();
    await Promise.resolve();
    expect(getLab()).toMatchObject({ loadState: 'loading', loadProgress: { done: 10, total: 100 } });
    expect(h.signals).toHaveLength(1);

    cancelLoad();
    expect(h.signals[0].aborted).toBe(true);
    expect(await loading).toBe(false);
    expect(getLab()).toMatchObject({
      loadState: 'idle',
      info: null,
      loadedId: null,
      loadProgress: null,
      loadStage: null,
      modelError: null,
      engineNote: LOAD_CANCELLED_NOTE,
      turns: [turn],
    });

    const again = loadModel();
    await Promise.resolve();
    expect(getLab().engineNote).toBeNull();
    h.release();
    expect(await again).toBe(true);
    expect(getLab()).toMatchObject({ loadState: 'ready', info: fakeInfo(), modelError: null, turns: [turn] });
    expect(h.signals[1].aborted).toBe(false);
  });

  it('a load that finishes as it is cancelled is unloaded from the engine; Cancel with no load running does nothing', async () => {
    const h = holdingEngine();
    setEngine(h.engine);
    const loading = loadModel();
    await Promise.resolve();
    h.release(); // the engine has finished; its answer has not arrived yet
    cancelLoad();
    expect(await loading).toBe(false);
    expect(h.unloads()).toBe(1);
    expect(getLab()).toMatchObject({ loadState: 'idle', info: null, engineNote: LOAD_CANCELLED_NOTE, modelError: null });

    setLab({ engineNote: null });
    cancelLoad();
    expect(getLab()).toMatchObject({ loadState: 'idle', engineNote: null });
  });

  it('a newer load replaces one still running: the first is aborted and the second shows', async () => {
    const h = holdingEngine();
    setEngine(h.engine);
    const first = loadModel();
    await Promise.resolve();
    const second = loadModel();
    await Promise.resolve();
    expect(h.signals.map((s) => s.aborted)).toEqual([true, false]);
    h.release();
    expect(await first).toBe(false);
    expect(await second).toBe(true);
    expect(h.unloads()).toBe(0);
    expect(getLab()).toMatchObject({ loadState: 'ready', engineNote: null, modelError: null });
  });
});
