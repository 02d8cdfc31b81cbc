/**
 * Recovery on the page's path: a ResilientEngine over EngineClients whose "workers" run the real
 * handler and Engine on the demo model and die mid-call (the onerror a real worker fires when it
 * crashes). The interrupted call runs once more on a restarted worker with the model reloaded; a
 * call interrupted twice, or one whose model cannot be reloaded, fails saying what to run again.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { GenerateRequest } from './api';
import { EngineClient } from './client';
import { Engine } from './engine';
import { folderFetcher } from './nodeFolderFetcher';
import { configureRuntime } from './ort';
import { ResilientEngine, type RestartNotice } from './resilientEngine';
import { inProcessWorker, type InProcessWorker } from './testing/inProcessWorker';
import { DEMO_MODEL_DIR, hasDemoModel } from './testing/paths';

const request: GenerateRequest = {
  rows: [{ prompt: { messages: [{ role: 'user', content: 'Any tips for a rainy day?' }] }, steering: null }],
  maxNewTokens: 10,
  sampling: { temperature: 1, topK: 0, topP: 1 },
  seed: 5,
};
const load = { source: { kind: 'url' as const, baseUrl: DEMO_MODEL_DIR }, backend: 'wasm' as const };

describe.skipIf(!hasDemoModel())('ResilientEngine (demo model, in-process workers)', () => {
  let workers: InProcessWorker[];
  /** crashAtStep of each worker created from now on, in order (undefined: never). */
  let plan: (number | null)[];
  let reloadFails: boolean;
  let notices: RestartNotice[];
  let onNotice: (n: RestartNotice) => void;
  let engine: ResilientEngine;

  beforeEach(() => {
    configureRuntime({ numThreads: 1 });
    workers = [];
    plan = [];
    reloadFails = false;
    notices = [];
    onNotice = () => {};
    engine = new ResilientEngine(
      () => {
        const failing = workers.length > 0 && reloadFails;
        const w = inProcessWorker(new Engine({ fetcher: () => folderFetcher(failing ? `${DEMO_MODEL_DIR}/missing` : DEMO_MODEL_DIR) }));
        w.crashAtStep = plan.shift() ?? null;
        workers.push(w);
        return new EngineClient(w);
      },
      (n) => {
        notices.push(n);
        onNotice(n);
      },
    );
  });

  it('a worker that dies mid-generation is restarted, the model reloaded, and the stream completes without repeats', async () => {
    await engine.load(load);
    const uninterrupted = (await engine.generate(request)).rows[0].tokenIds;
    expect(uninterrupted.length).toBeGreaterThan(3);
    workers[0].crashAtStep = 2;
    const steps: number[] = [];
    const res = await engine.generate(request, (e) => steps.push(e.step));
    expect(res.rows[0].tokenIds).toEqual(uninterrupted);
    expect(steps).toEqual(uninterrupted.map((_, i) => i));
    expect(engine.restarts).toBe(1);
    expect(workers[0].terminated).toBe(true);
    expect(notices.map((n) => n.phase)).toEqual(['restarting', 'restarted']);
    expect(notices[1].message).toMatch(/memory access out of bounds.*restarted and reloaded the model/);
    expect(notices[1].model?.numLayers).toBe(engine.model?.numLayers);
    expect(workers[1].handler.running()).toEqual([]);
  });

  it('a worker that dies while idle is restarted with the model, and the next call gives what it gave before', async () => {
    await engine.load(load);
    const capture = () => engine.capture({ rows: [{ prompt: { ids: [1, 300, 45] }, response: 'sunny' }] });
    const before = (await capture()).rows[0].resid;
    await engine.debug('crash');
    await new Promise((r) => setTimeout(r, 20));
    const after = (await capture()).rows[0].resid;
    expect(engine.restarts).toBe(1);
    expect(notices.at(-1)?.message).toMatch(/simulated engine crash.*reloaded the model/);
    expect(Array.from(after)).toEqual(Array.from(before));
  });

  it('a call interrupted twice fails and names what to run again; the engine still works afterwards', async () => {
    await engine.load(load);
    workers[0].crashAtStep = 1;
    plan = [1];
    const err = await engine.generate(request, () => {}).catch((e: unknown) => e);
    expect(err).toMatchObject({
      name: 'EngineError',
      message: expect.stringMatching(/stopped twice during the generation/),
      hint: expect.stringMatching(/^Run the generation again/),
    });
    expect(engine.restarts).toBe(2);
    const res = await engine.generate(request);
    expect(res.rows[0].tokenIds.length).toBeGreaterThan(0);
  });

  it('when the model cannot be reloaded, the interrupted call fails saying to load it again', async () => {
    await engine.load(load);
    reloadFails = true;
    workers[0].crashAtStep = 0;
    const err = await engine.generate(request, () => {}).catch((e: unknown) => e);
    expect(err).toMatchObject({
      message: expect.stringMatching(/could not reload the model, so the generation did not run/),
      hint: expect.stringMatching(/Load the model again/),
    });
    expect(engine.model).toBeNull();
    expect(notices.at(-1)).toMatchObject({ phase: 'restarted', model: null, message: expect.stringMatching(/reloading the model failed/) });
  });

  it('a generation stopped by the user while the engine restarts is not run again', async () => {
    await engine.load(load);
    workers[0].crashAtStep = 1;
    const controller = new AbortController();
    onNotice = (n) => n.phase === 'restarting' && controller.abort();
    const err = await engine.generate(request, () => {}, { signal: controller.signal }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'cancelled', message: 'the generation was cancelled while the engine restarted' });
    expect(engine.restarts).toBe(1);
    expect(workers[1].sent.map((r) => r.type)).toEqual(['load']);
  });
});
