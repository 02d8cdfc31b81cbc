import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { download } from './download';
import { EngineError } from './errors';
import { ProgressTracker, type LoadProgress } from './progress';

/** A server whose first answer for /flaky.bin breaks off halfway; it honours Range requests. */
const file = Uint8Array.from({ length: 256 * 1024 }, (_, i) => (i * 31) % 251);
const ranges: string[] = [];
let server: Server;
let base = '';
let served = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url !== '/flaky.bin') return void res.writeHead(404).end();
    const range = req.headers.range;
    ranges.push(range ?? 'none');
    if (range) {
      const from = Number(/^bytes=(\d+)-$/.exec(range)?.[1]);
      res.writeHead(206, { 'Content-Length': file.length - from, 'Content-Range': `bytes ${from}-${file.length - 1}/${file.length}` });
      return void res.end(Buffer.from(file.subarray(from)));
    }
    if (served++ === 0) {
      res.writeHead(200, { 'Content-Length': file.length });
      res.write(Buffer.from(file.subarray(0, 100_000)), () => res.destroy());
      return;
    }
    res.writeHead(200, { 'Content-Length': file.length }).end(Buffer.from(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(() => server.close());

describe('download', () => {
  it('says where a broken download stopped, then resumes it with a Range request on retry', async () => {
    let error: unknown;
    try {
      await download(`${base}/flaky.bin`, 'flaky.bin');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('network');
    expect((error as EngineError).message).toMatch(/stopped at \d+ of 262144 bytes/);
    expect((error as EngineError).hint).toContain('resumes');
    const stoppedAt = Number(/stopped at (\d+)/.exec((error as EngineError).message)?.[1]);
    expect(stoppedAt).toBeGreaterThan(0);

    const events: LoadProgress[] = [];
    const bytes = await download(`${base}/flaky.bin`, 'flaky.bin', new ProgressTracker((p) => events.push(p)));
    expect(ranges).toEqual(['none', `bytes=${stoppedAt}-`]);
    expect(bytes).toEqual(file);
    const loaded = events.flatMap((p) => (p.status === 'progress' ? [p.loaded] : []));
    expect(loaded[0]).toBe(stoppedAt);
    expect(loaded.every((x, i) => i === 0 || x >= loaded[i - 1])).toBe(true);
    expect(loaded[loaded.length - 1]).toBe(file.length);
  });

  it('returns null for a file the server does not have', async () => {
    expect(await download(`${base}/missing.bin`, 'missing.bin')).toBeNull();
  });
});
