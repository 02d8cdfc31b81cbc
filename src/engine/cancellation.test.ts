/**
 * Cancellation by AbortSignal, on the demo model: through the Engine, and through the protocol
 * (EngineClient → handler → Engine, the path the page takes). Aborting stops a generation within
 * one step; aborting a finished call does nothing; nothing is remembered once a call is over.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerateRequest } from './api';
import { EngineClient } from './client';
import type { Engine } from './engine';
import type { Request, Response } from './protocol';
import { createHandler } from './handler';
import { inProcessWorker } from './testing/inProcessWorker';
import { loadLocalEngine } from './testing/models';
import { DEMO_MODEL_DIR, hasDemoModel } from './testing/paths';

const prompt = [1, 300, 45, 700, 12, 99, 5];
/** Sampled (so the stream is long and varied) but seeded (so every run draws the same tokens). */
const request = (maxNewTokens: number): GenerateRequest => ({
  rows: [{ prompt: { ids: prompt }, steering: null }],
  maxNewTokens,
  sampling: { temperature: 1, topK: 0, topP: 1 },
  seed: 3,
});

describe.skipIf(!hasDemoModel())('cancellation by AbortSignal (demo model)', () => {
  let engine: Engine;
  let full: number[];
  beforeAll(async () => {
    ({ engine } = await loadLocalEngine(DEMO_MODEL_DIR));
    full = (await engine.generate(request(12))).rows[0].tokenIds;
    expect(full.length).toBeGreaterThan(2); // long enough that a cancel at step 0 or 1 cuts it short
  });
  afterAll(() => engine?.unload());

  it('a signal aborted before the call generates nothing; a capture fails with "cancelled"', async () => {
    const res = await engine.generate(request(12), undefined, { signal: AbortSignal.abort() });
    expect(res.rows[0].tokenIds).toEqual([]);
    expect(res.rows[0].finish).toBe('cancelled');
    await expect(engine.capture({ rows: [{ prompt: { ids: prompt } }] }, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('through the protocol: a cancel sent at step 1 stops the stream after step 1, and the handler forgets the call', async () => {
    const posted: Response[] = [];
    const handle = createHandler(engine, (r) => {
      posted.push(r);
      // the cancel reaches the handler while the engine is between steps 1 and 2
      if (r.kind === 'event' && r.event.step === 1) void handle({ id: 2, type: 'cancel', payload: { id: 1 } });
    });
    const running = handle({ id: 1, type: 'generate', payload: request(12) } as Request);
    expect(handle.running()).toEqual([1]);
    await running;
    const steps = posted.flatMap((r) => (r.id === 1 && r.kind === 'event' ? [r.event.step] : []));
    const result = posted.find((r) => r.id === 1 && r.kind === 'result');
    const row = (result as { result: { rows: { tokenIds: number[]; finish: string }[] } }).result.rows[0];
    expect(steps).toEqual([0, 1]);
    expect(row.finish).toBe('cancelled');
    expect(row.tokenIds).toEqual(full.slice(0, 2));
    expect(handle.running()).toEqual([]);
  });

  it('a cancel for a finished (or unknown) call is answered and changes nothing', async () => {
    const posted: Response[] = [];
    const handle = createHandler(engine, (r) => posted.push(r));
    await handle({ id: 1, type: 'generate', payload: request(12) } as Request);
    expect(handle.running()).toEqual([]);
    await handle({ id: 2, type: 'cancel', payload: { id: 1 } });
    await handle({ id: 3, type: 'cancel', payload: { id: 99 } });
    expect(handle.running()).toEqual([]);
    expect(posted.filter((r) => r.kind === 'error')).toEqual([]);
    await handle({ id: 4, type: 'generate', payload: request(12) } as Request);
    const tokens = posted
      .filter((r) => r.kind === 'result' && (r.id === 1 || r.id === 4))
      .map((r) => (r as { result: { rows: { tokenIds: number[] }[] } }).result.rows[0].tokenIds);
    expect(tokens).toEqual([full, full]);
  });

  it('the page-side client: abort mid-stream stops it; aborting after the call sends nothing; no call is kept', async () => {
    const worker = inProcessWorker(engine);
    const client = new EngineClient(worker);
    const controller = new AbortController();
    const seen: number[] = [];
    const res = await client.generate(
      request(40),
      (e) => {
        seen.push(e.step);
        if (e.step === 0) controller.abort();
      },
      { signal: controller.signal },
    );
    const row = res.rows[0];
    expect(row.finish).toBe('cancelled');
    expect(seen).toEqual([0]);
    expect(row.tokenIds).toEqual(full.slice(0, 1));
    expect(worker.sent.filter((r) => r.type === 'cancel')).toHaveLength(1);
    expect(client.pendingCount).toBe(0);
    expect(worker.handler.running()).toEqual([]);

    const after = new AbortController();
    const done = await client.generate(request(12), undefined, { signal: after.signal });
    after.abort();
    expect(done.rows[0].tokenIds).toEqual(full);
    expect(worker.sent.filter((r) => r.type === 'cancel')).toHaveLength(1);
    expect(client.pendingCount).toBe(0);
    expect(worker.handler.running()).toEqual([]);
  });
});
