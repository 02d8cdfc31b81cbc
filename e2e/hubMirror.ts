/**
 * A local stand-in for the Hugging Face Hub: serves model folders in the Hub's URL layout
 * (`/{owner}/{name}/resolve/{revision}/{file}`) on 127.0.0.1, with the CORS and CORP headers a
 * cross-origin-isolated page needs. Used by the e2e tests and by `npm run mirror`.
 *
 *   tsx e2e/hubMirror.ts [--port 4174]
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, normalize, resolve } from 'node:path';
import { listTree } from '../src/engine/testing/hubServer';

const root = resolve(import.meta.dirname, '..');

/** Repository id → folder. */
export const MIRRORED_REPOS: Record<string, string> = {
  'persona-lab/persona-demo': join(root, 'public/models/persona-demo'),
  'persona-lab/tiny-random-llama-fused': join(root, '../shared/fixtures/tiny-random-llama-fused'),
};

/** One request the mirror answered: method, path and status (tests read which files were downloaded). */
export interface MirrorRequest {
  method: string;
  path: string;
  status: number;
}

export function startHubMirror(port = 0, repos = MIRRORED_REPOS): Promise<{ server: Server; url: string; requests: MirrorRequest[] }> {
  const requests: MirrorRequest[] = [];
  const server = createServer((req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    const path = decodeURIComponent((req.url ?? '').split('?')[0]);
    const log = (status: number) => requests.push({ method: req.method ?? 'GET', path, status });
    // The Hub's tree API, one page: every file with its size (the lab lists variants with it).
    const tree = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/[^/]+$/.exec(path);
    if (tree && repos[tree[1]]) {
      log(200);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(listTree(repos[tree[1]])));
      return;
    }
    const m = /^\/([^/]+\/[^/]+)\/resolve\/[^/]+\/(.+)$/.exec(path);
    const dir = m ? repos[m[1]] : undefined;
    const file = dir && m ? normalize(join(dir, m[2])) : undefined;
    if (!dir || !file || !file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      log(404);
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Entry not found');
      return;
    }
    log(200);
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': statSync(file).size });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((ok) =>
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      ok({ server, requests, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}` });
    }),
  );
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? Number(process.argv[i + 1]) : 4174;
  startHubMirror(port).then(({ url }) => console.log(`Hub mirror on ${url}: ${Object.keys(MIRRORED_REPOS).join(', ')}`));
}
