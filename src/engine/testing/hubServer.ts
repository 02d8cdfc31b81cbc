/**
 * A local stand-in for the Hugging Face Hub: serves model folders at
 * `/{owner}/{name}/resolve/{revision}/{file}` on 127.0.0.1 (random port), with Content-Length and
 * chunked bodies so download progress has something to report. Unknown paths answer 404.
 */
import { createServer, type Server } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { join, normalize } from 'node:path';

export interface HubServer {
  /** e.g. http://127.0.0.1:40123 — pass as hubHost. */
  url: string;
  /** Every request path, in order, with its status. */
  requests: { path: string; status: number }[];
  close(): Promise<void>;
}

/** `repos` maps "owner/name" to a local folder laid out like a Hub repository. */
export async function startHubServer(repos: Record<string, string>): Promise<HubServer> {
  const requests: HubServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]);
    const m = /^\/([^/]+\/[^/]+)\/resolve\/[^/]+\/(.+)$/.exec(path);
    const dir = m ? repos[m[1]] : undefined;
    const file = dir && m ? normalize(join(dir, m[2])) : undefined;
    if (!file || !file.startsWith(normalize(dir!)) || !existsSync(file) || !statSync(file).isFile()) {
      requests.push({ path, status: 404 });
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Entry not found');
      return;
    }
    requests.push({ path, status: 200 });
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': statSync(file).size });
    createReadStream(file, { highWaterMark: 64 * 1024 }).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the test Hub server has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
