/**
 * Fetches one file with progress. A download that stops halfway keeps what arrived, and the next
 * attempt for the same URL asks only for the rest (HTTP Range), so a retry resumes.
 */
import { EngineError, throwIfCancelled } from './errors';
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

/**
 * The file's bytes, or null when the server says it has no such file (404/401/403). Aborting
 * `signal` closes the connection and fails with EngineError 'cancelled'; what arrived is dropped
 * (the user stopped this download, so its bytes are not kept for a resume).
 */
export async function download(url: string, path: string, progress?: ProgressTracker, signal?: AbortSignal): Promise<Uint8Array | null> {
  const partial = partials.get(url);
  let res: Response;
  try {
    res = await fetch(url, { signal, ...(partial ? { headers: { Range: `bytes=${partial.loaded}-` } } : {}) });
  } catch (e) {
    throwIfCancelled(signal, `the download of ${path}`);
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
    return new EngineError(
      'network',
      `the download of ${path} stopped at ${loaded} of ${total ?? 'unknown'} bytes (${why})`,
      'Load the model again: the download resumes where it stopped.',
    );
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
      throwIfCancelled(signal, `the download of ${path}`);
      throw stopped(e instanceof Error ? e.message : String(e));
    }
  } else {
    const bytes = new Uint8Array(await res.arrayBuffer());
    throwIfCancelled(signal, `the download of ${path}`);
    chunks.push(bytes);
    loaded += bytes.length;
  }
  if (total !== null && loaded < total) throw stopped('the connection closed early');
  progress?.done(path, loaded, false);
  return concat(chunks, loaded);
}

/**
 * A file's size without downloading it (HTTP HEAD), or null when the server has no such file. The
 * Hub answers HEAD for weight files with a redirect to its storage; `X-Linked-Size` carries the
 * size there, and the redirected answer's Content-Length otherwise.
 */
export async function headSize(url: string, signal?: AbortSignal): Promise<number | null> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'HEAD', signal });
  } catch (e) {
    throwIfCancelled(signal, `asking the size of ${url}`);
    throw new EngineError('network', `could not reach ${url} (${e instanceof Error ? e.message : e})`, 'Check the address and your connection.');
  }
  if (res.status === 404 || res.status === 401 || res.status === 403) return null;
  if (!res.ok) throw new EngineError('network', `${url} answered HTTP ${res.status}`, 'Try again later, or check the address.');
  // A web page where a weight file should be: a static host's "not found" page served with 200.
  if (res.headers.get('content-type')?.startsWith('text/html')) return null;
  const size = Number(res.headers.get('x-linked-size') ?? res.headers.get('content-length') ?? NaN);
  return Number.isFinite(size) && size >= 0 ? size : null;
}

/** One entry of the Hub's tree API (`/api/models/{id}/tree/{revision}`). */
interface TreeEntry {
  type: string;
  path: string;
  size?: number;
  lfs?: { size?: number };
}

/**
 * Every file of a Hub repository with its size, from the tree API (recursive, following its
 * `Link: <…>; rel="next"` pages). Null when the host has no such API (a plain mirror): the caller
 * then asks for sizes file by file. Aborting `signal` fails with EngineError 'cancelled'.
 */
export async function hubTree(host: string, id: string, revision: string, signal?: AbortSignal): Promise<{ path: string; bytes: number }[] | null> {
  let url: string | null = `${host}/api/models/${id}/tree/${encodeURIComponent(revision)}?recursive=true`;
  const files: { path: string; bytes: number }[] = [];
  for (let page = 0; url && page < 100; page++) {
    let res: Response;
    try {
      res = await fetch(url, { signal });
    } catch {
      throwIfCancelled(signal, 'listing the repository');
      return null;
    }
    if (!res.ok) return null;
    let entries: unknown;
    try {
      entries = await res.json();
    } catch {
      throwIfCancelled(signal, 'listing the repository');
      return null;
    }
    if (!Array.isArray(entries)) return null;
    for (const e of entries as TreeEntry[]) {
      const bytes = e.lfs?.size ?? e.size;
      if (e.type === 'file' && typeof e.path === 'string' && typeof bytes === 'number') files.push({ path: e.path, bytes });
    }
    const next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '');
    url = next ? new URL(next[1], url).href : null;
  }
  return files;
}
