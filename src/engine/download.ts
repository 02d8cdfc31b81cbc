/**
 * Fetches one file with progress. A download that stops halfway keeps what arrived, and the next
 * attempt for the same URL asks only for the rest (HTTP Range), so a retry resumes.
 */
import { EngineError } from './errors';
import type { ProgressTracker } from './progress';

interface PartialDownload {
  chunks: Uint8Array[];
  loaded: number;
  total: number | null;
}

/** What arrived of interrupted downloads, by URL (lives as long as the engine). */
const partials = new Map<string, PartialDownload>();

function declaredLength(res: Response): number | null {
  const header = res.headers.get('content-length');
  return header && !res.headers.get('content-encoding') ? Number(header) : null;
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let pos = 0;
  for (const c of chunks) {
    bytes.set(c, pos);
    pos += c.length;
  }
  return bytes;
}

/** The file's bytes, or null when the server says it has no such file (404/401/403). */
export async function download(url: string, path: string, progress?: ProgressTracker): Promise<Uint8Array | null> {
  const partial = partials.get(url);
  let res: Response;
  try {
    res = await fetch(url, partial ? { headers: { Range: `bytes=${partial.loaded}-` } } : undefined);
  } catch (e) {
    throw new EngineError('network', `could not reach ${url} (${e instanceof Error ? e.message : e})`, 'Check the address and your connection.');
  }
  if (res.status === 404 || res.status === 401 || res.status === 403) return null;
  if (!res.ok) throw new EngineError('network', `${url} answered HTTP ${res.status}`, 'Try again later, or check the address.');

  const resumed = partial !== undefined && res.status === 206;
  const chunks = resumed ? partial.chunks : [];
  let loaded = resumed ? partial.loaded : 0;
  const rest = declaredLength(res);
  const total = resumed ? (partial.total ?? (rest === null ? null : loaded + rest)) : rest;
  partials.delete(url);
  progress?.initiate(path, total);
  if (loaded > 0) progress?.update(path, loaded);

  const stopped = (why: string) => {
    partials.set(url, { chunks, loaded, total });
    return new EngineError('network', `the download of ${path} stopped at ${loaded} of ${total ?? 'unknown'} bytes (${why})`, 'Load the model again: the download resumes where it stopped.');
  };
  if (res.body) {
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        loaded += value.length;
        progress?.update(path, loaded);
      }
    } catch (e) {
      throw stopped(e instanceof Error ? e.message : String(e));
    }
  } else {
    const bytes = new Uint8Array(await res.arrayBuffer());
    chunks.push(bytes);
    loaded += bytes.length;
  }
  if (total !== null && loaded < total) throw stopped('the connection closed early');
  progress?.done(path, loaded, false);
  return concat(chunks, loaded);
}
