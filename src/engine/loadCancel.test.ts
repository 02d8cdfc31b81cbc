/**
 * Cancelling a load mid-download, on the fused fixture served from 127.0.0.1 by a server that sends
 * the first part of the weights file and then holds the connection open. Aborting the load's
 * signal closes that connection (the server sees it closed with part of the file unsent), the load
 * fails with EngineError 'cancelled', the engine holds no model (the one loaded before is released
 * too), and a following load of the same model downloads it whole and generates. Run directly on
 * the Engine, and on the page's path (ResilientEngine → EngineClient → handler → Engine), where a
 * cancel must not be taken for a crash and run again.
 */
import { readFileSync, statSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { join, normalize } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EngineApi, LoadProgress, LoadRequest } from './api';
import { EngineClient } from './client';
import { Engine } from './engine';
import { EngineError } from './errors';
import { configureRuntime } from './ort';
import { ResilientEngine } from './resilientEngine';
import { inProcessWorker, type InProcessWorker } from './testing/inProcessWorker';
import { FUSED_FIXTURE_DIR } from './testing/paths';

const WEIGHTS = 'onnx/model.onnx.data';
const WEIGHTS_BYTES = statSync(join(FUSED_FIXTURE_DIR, WEIGHTS)).size;
/** What the server sends of the weights before it stalls. */
const FIRST_PART = 64 * 1024;

/** One GET of the weights file: what the server sent, whether a Range was asked, and when the connection closed. */
interface WeightsRequest {
  range: string | null;
  sent: number;
  finished: boolean;
  closed: Promise<void>;
}

let server: Server;
let base = '';
/** While true, the weights file stalls after FIRST_PART bytes (the connection stays open). */
let stall = false;
let weightRequests: WeightsRequest[] = [];

function serveWeights(res: ServerResponse, range: string | null): void {
  const bytes = readFileSync(join(FUSED_FIXTURE_DIR, WEIGHTS));
  const entry: WeightsRequest = { range, sent: 0, finished: false, closed: new Promise((ok) => res.on('close', () => ok())) };
  weightRequests.push(entry);
  res.on('finish', () => (entry.finished = true));
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
  if (stall) {
    entry.sent = FIRST_PART;
    res.write(bytes.subarray(0, FIRST_PART)); // and nothing more until the client goes away
    return;
  }
  entry.sent = bytes.length;
  res.end(bytes);
}

beforeAll(async () => {
  configureRuntime({ numThreads: 1 });
  server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]).replace(/^\/repo\//, '');
    const file = normalize(join(FUSED_FIXTURE_DIR, path));
    let size: number | null = null;
    try {
      if (file.startsWith(FUSED_FIXTURE_DIR) && statSync(file).isFile()) size = statSync(file).size;
    } catch {
      size = null;
    }
    if (size === null) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    if (req.method === 'HEAD') return void res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size }).end();
    if (path === WEIGHTS) return serveWeights(res, req.headers.range ?? null);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size }).end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/repo/`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

beforeEach(() => {
  stall = false;
  weightRequests = [];
});

const request = (): LoadRequest => ({ source: { kind: 'url', baseUrl: base }, backend: 'wasm' });

/** Starts a stalling load and aborts it once part of the weights has arrived; returns how it ended. */
async function cancelledLoad(engine: EngineApi): Promise<{ error: unknown; events: LoadProgress[] }> {
  stall = true;
  const controller = new AbortController();
  const events: LoadProgress[] = [];
  let error: unknown = null;
  try {
    await engine.load(
      request(),
      (p) => {
        events.push(p);
        if (p.status === 'progress' && p.file === WEIGHTS && p.loaded > 0) controller.abort();
      },
      { signal: controller.signal },
    );
  } catch (e) {
    error = e;
  }
  stall = false;
  return { error, events };
}

async function generates(engine: EngineApi): Promise<number[]> {
  const out = await engine.generate({ rows: [{ prompt: { ids: [1, 15043, 29892] }, steering: null }], maxNewTokens: 4, seed: 1 });
  return out.rows[0].tokenIds;
}

describe('cancelling a load mid-download', () => {
  it('Engine: the connection closes with the weights part-sent, the load fails "cancelled", no model is left, and the next load works', async () => {
    const engine = new Engine();
    await engine.load(request()); // a model is loaded before the cancelled load
    expect(engine.loadedInfo).not.toBeNull();
    weightRequests = [];

    const { error, events } = await cancelledLoad(engine);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('cancelled');
    expect((error as EngineError).message).toBe('loading the model was cancelled');
    // the weights had started to arrive, and nothing after their download ran
    expect(events.some((p) => p.status === 'progress' && p.file === WEIGHTS && p.loaded > 0)).toBe(true);
    expect(events.some((p) => (p.status === 'stage' && p.stage !== 'instrument') || p.status === 'ready' || (p.status === 'done' && p.file === WEIGHTS))).toBe(
      false,
    );
    // the server saw the connection closed before it had sent the file
    expect(weightRequests).toHaveLength(1);
    await weightRequests[0].closed;
    expect(weightRequests[0].finished).toBe(false);
    expect(weightRequests[0].sent).toBeLessThan(WEIGHTS_BYTES);
    // no model: neither the new one nor the one loaded before
    expect(engine.loadedInfo).toBeNull();
    await expect(generates(engine)).rejects.toMatchObject({ code: 'no_model' });

    // the same model loads again, downloading the weights whole (nothing kept of the cancelled download)
    const info = await engine.load(request());
    expect(info.numLayers).toBe(2);
    expect(weightRequests.slice(1).map((r) => [r.range, r.sent, r.finished])).toEqual([[null, WEIGHTS_BYTES, true]]);
    expect((await generates(engine)).length).toBe(4);
    await engine.unload();
  });

  it('a signal aborted before the load starts downloads nothing', async () => {
    const engine = new Engine();
    await expect(engine.load(request(), undefined, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'cancelled' });
    expect(weightRequests).toHaveLength(0);
    expect(engine.loadedInfo).toBeNull();
  });

  it('page path: the cancel crosses the protocol, is not retried as a crash, the handler forgets it, and the next load works', async () => {
    const workers: InProcessWorker[] = [];
    const engine = new ResilientEngine(() => {
      const w = inProcessWorker(new Engine());
      workers.push(w);
      return new EngineClient(w);
    });
    await engine.load(request());
    weightRequests = [];

    const { error } = await cancelledLoad(engine);
    expect(error).toMatchObject({ code: 'cancelled', message: 'loading the model was cancelled' });
    expect(workers).toHaveLength(1); // no restart
    expect(engine.restarts).toBe(0);
    expect(weightRequests).toHaveLength(1); // not run again
    await weightRequests[0].closed;
    expect(weightRequests[0].sent).toBeLessThan(WEIGHTS_BYTES);
    const sent = workers[0].sent;
    const loadId = sent.filter((r) => r.type === 'load').at(-1)!.id;
    expect(sent.some((r) => r.type === 'cancel' && r.payload.id === loadId)).toBe(true);
    expect(workers[0].handler.running()).toEqual([]);
    expect(engine.model).toBeNull();
    await expect(generates(engine)).rejects.toMatchObject({ code: 'no_model' });

    expect((await engine.load(request())).numLayers).toBe(2);
    expect(engine.model?.numLayers).toBe(2);
    expect((await generates(engine)).length).toBe(4);
    await engine.unload();
  });

  it('page path: a load cancelled while the crashed worker restarts is not run again, and the model the restart reloaded is unloaded', async () => {
    const workers: InProcessWorker[] = [];
    const controller = new AbortController();
    const engine = new ResilientEngine(
      () => {
        const w = inProcessWorker(new Engine());
        workers.push(w);
        return new EngineClient(w);
      },
      (notice) => {
        if (notice.phase !== 'restarting') return;
        stall = false; // the restart's reload of the model loaded before goes through
        controller.abort(); // the user cancels while the engine restarts
      },
    );
    await engine.load(request());
    weightRequests = [];
    stall = true;
    let crashed = false;
    const loading = engine.load(
      request(),
      (p) => {
        if (crashed || p.status !== 'progress' || p.file !== WEIGHTS || p.loaded === 0) return;
        crashed = true;
        engine.debug('crash').catch(() => undefined); // the worker dies mid-download
      },
      { signal: controller.signal },
    );
    await expect(loading).rejects.toMatchObject({ code: 'cancelled', message: 'loading the model was cancelled while the engine restarted' });
    expect(engine.restarts).toBe(1);
    expect(workers).toHaveLength(2);
    // the stalled download was closed, the restart reloaded the model once, and the load did not run again
    await weightRequests[0].closed;
    expect(weightRequests.map((r) => [r.sent < WEIGHTS_BYTES, r.finished])).toEqual([
      [true, false],
      [false, true],
    ]);
    expect(workers[1].sent.filter((r) => r.type === 'load')).toHaveLength(1);
    // no model on either side: the reloaded one was unloaded
    expect(engine.model).toBeNull();
    await expect(generates(engine)).rejects.toMatchObject({ code: 'no_model' });
    expect(workers[1].sent.some((r) => r.type === 'unload')).toBe(true);
  });
});
