/**
 * A local stand-in for the Hugging Face Hub: serves model folders at
 * `/{owner}/{name}/resolve/{revision}/{file}` on 127.0.0.1 (random port), with Content-Length and
 * chunked bodies so download progress has something to report, HEAD answers with the size, and the
 * tree API `/api/models/{owner}/{name}/tree/{revision}?recursive=true` (paged by a `Link` header,
 * as the Hub does) unless `treeApi` is false. Unknown paths answer 404.
 */
import { createServer, type Server } from 'node:http';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { join, normalize, relative, sep } from 'node:path';

export interface HubServer {
  /** e.g. http://127.0.0.1:40123 — pass as hubHost. */
  url: string;
  /** Every request path, in order, with its status (and method, when not GET). */
  requests: { path: string; status: number; method?: string }[];
  close(): Promise<void>;
}

/** `repos` maps "owner/name" to a local folder laid out like a Hub repository. */
export async function startHubServer(repos: Record<string, string>, options: { treeApi?: boolean; treePageSize?: number } = {}): Promise<HubServer> {
  const requests: HubServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]);
    const method = req.method && req.method !== 'GET' ? { method: req.method } : {};
    const tree = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/[^/]+$/.exec(path);
    if (tree && options.treeApi !== false && repos[tree[1]]) {
      const all = listTree(repos[tree[1]]);
      const from = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('cursor') ?? 0);
      const size = options.treePageSize ?? 1000;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (from + size < all.length) headers.link = `<${path}?recursive=true&cursor=${from + size}>; rel="next"`;
      requests.push({ path, status: 200, ...method });
      res.writeHead(200, headers).end(JSON.stringify(all.slice(from, from + size)));
      return;
    }
    const m = /^\/([^/]+\/[^/]+)\/resolve\/[^/]+\/(.+)$/.exec(path);
    const dir = m ? repos[m[1]] : undefined;
    const file = dir && m ? normalize(join(dir, m[2])) : undefined;
    if (!file || !file.startsWith(normalize(dir!)) || !existsSync(file) || !statSync(file).isFile()) {
      requests.push({ path, status: 404, ...method });
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Entry not found');
      return;
    }
    requests.push({ path, status: 200, ...method });
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': statSync(file).size });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file, { highWaterMark: 64 * 1024 }).pipe(res);
  });
  // Keep idle connections open longer than Node's fetch keeps them: on a busy machine a client can
  // otherwise reuse a socket the server has just closed, and the request fails with "fetch failed".
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the test Hub server has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A folder's files as the Hub's tree API lists them (directories too; files over 10 MB carry an `lfs` entry). */
export function listTree(dir: string): { type: string; path: string; size: number; oid: string; lfs?: { size: number; oid: string; pointerSize: number } }[] {
  const out: ReturnType<typeof listTree> = [];
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = relative(dir, join(e.parentPath, e.name)).split(sep).join('/');
    if (e.isDirectory()) out.push({ type: 'directory', path, size: 0, oid: '0' });
    else if (e.isFile()) {
      const size = statSync(join(dir, path)).size;
      out.push({ type: 'file', path, size, oid: '0', ...(size > 10 * 2 ** 20 ? { lfs: { size, oid: '0', pointerSize: 134 } } : {}) });
    }
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}
