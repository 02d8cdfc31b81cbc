/**
 * Where a model's files come from: a Hub id, any base URL laid out like the Hub, a folder the user
 * picked, or the bundled demo model. One fetcher interface; the loader never cares which.
 */
import { download, headSize, hubTree } from './download';
import { EngineError } from './errors';
import type { ProgressTracker } from './progress';
import { repoPaths } from './repoListing';

export type ModelSource =
  | { kind: 'hub'; id: string; revision?: string }
  | { kind: 'url'; baseUrl: string }
  | { kind: 'files'; name: string; files: Record<string, Blob> }
  | { kind: 'demo' };

/** Reads one file of a model repository by its path inside the repo. */
export interface FileFetcher {
  /** Human-readable name of the source, for messages and model ids. */
  readonly label: string;
  /** The file's bytes, or null when the repository has no such file. */
  get(path: string, progress?: ProgressTracker): Promise<Uint8Array | null>;
  /** Every file of the repository with its size (Hub tree API, a picked folder); null when this source cannot list. */
  list?(): Promise<{ path: string; bytes: number }[] | null>;
  /** A file's size without downloading it (HTTP HEAD), or null when the repository has no such file. */
  size?(path: string): Promise<number | null>;
}

export const DEMO_MODEL_ID = 'persona-lab/persona-demo';
const DEFAULT_HUB = 'https://huggingface.co';
const CACHE_NAME = 'persona-lab-models-v1';

/** Settings for resolving sources: the Hub host (tests point it at a local mirror) and the app's base URL. */
export interface SourceSettings {
  hubHost?: string;
  /** Base URL of the bundled demo model. */
  demoUrl?: string;
}

const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/** The URL when `text` is an absolute http(s) address with a host, else null. */
export function httpUrl(text: string): URL | null {
  try {
    const url = new URL(text.trim());
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.host ? url : null;
  } catch {
    return null;
  }
}

/**
 * The Hub host as a base URL without a trailing slash. Anything but an http(s) address (a typo,
 * `javascript:…`) is refused with a sentence that says what was expected, not the browser's
 * "Failed to construct 'URL'".
 */
export function checkHubHost(host: string): string {
  const h = host.trim().replace(/\/+$/, '');
  const url = httpUrl(h);
  if (!url || url.search || url.hash || url.username || url.password) {
    throw new EngineError(
      'bad_input',
      `The Hub host must be an http(s) address like ${DEFAULT_HUB}; got "${host}"`,
      `Fix the Hub host under Model → Advanced, or clear it to use ${DEFAULT_HUB}.`,
    );
  }
  return h;
}

/** Parses what a user typed: a Hub id or a URL. */
export function parseSourceText(text: string): ModelSource {
  const t = text.trim();
  if (t === '' || t === 'demo' || t === DEMO_MODEL_ID) return { kind: 'demo' };
  if (/^https?:\/\//i.test(t)) {
    if (!httpUrl(t))
      throw new EngineError(
        'bad_input',
        `"${t}" is not a valid web address`,
        'A model URL looks like https://example.org/models/my-model (laid out like a Hub repository).',
      );
    return { kind: 'url', baseUrl: t };
  }
  const [id, revision] = t.split('@');
  if (!HUB_ID.test(id)) {
    throw new EngineError('bad_input', `"${t}" is neither a Hub model id (owner/name) nor an http(s) URL`, 'Example: onnx-community/Qwen2.5-0.5B-Instruct');
  }
  return { kind: 'hub', id, revision: revision || undefined };
}

export function sourceId(source: ModelSource): string {
  switch (source.kind) {
    case 'hub':
      return source.revision ? `${source.id}@${source.revision}` : source.id;
    case 'url':
      return source.baseUrl;
    case 'files':
      return `local:${source.name}`;
    case 'demo':
      return DEMO_MODEL_ID;
  }
}

async function openCache(): Promise<Cache | null> {
  try {
    return typeof caches === 'undefined' ? null : await caches.open(CACHE_NAME);
  } catch {
    return null; // e.g. opaque origins or private mode
  }
}

/**
 * Fetches files below a base URL, through the browser's Cache Storage when there is one. Aborting
 * `signal` (one load's) stops its downloads and size requests with EngineError 'cancelled'.
 */
export function urlFetcher(baseUrl: string, label = baseUrl, signal?: AbortSignal): FileFetcher {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return {
    label,
    async get(path, progress) {
      const url = new URL(path, base).href;
      const cache = await openCache();
      const cached = await cache?.match(url);
      if (cached) {
        const bytes = new Uint8Array(await cached.arrayBuffer());
        progress?.initiate(path, bytes.length);
        progress?.done(path, bytes.length, true);
        return bytes;
      }
      const bytes = await download(url, path, progress, signal);
      if (!bytes) return null;
      try {
        await cache?.put(url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'application/octet-stream' } }));
      } catch {
        // Quota exceeded: the model still loads, it just is not cached for the next visit.
      }
      return bytes;
    },
    async size(path) {
      const url = new URL(path, base).href;
      const cached = await (await openCache())?.match(url);
      return cached ? (await cached.blob()).size : headSize(url, signal);
    },
  };
}

/** Files from a folder the user picked (relative paths, with or without the folder name first). */
export function filesFetcher(name: string, files: Record<string, Blob>): FileFetcher {
  const byPath = new Map<string, Blob>();
  for (const [p, blob] of Object.entries(files)) {
    const parts = p.replace(/\\/g, '/').split('/');
    byPath.set(parts.join('/'), blob);
    if (parts.length > 1) byPath.set(parts.slice(1).join('/'), blob);
  }
  const listed = repoPaths(Object.keys(files)).map((path, i) => ({ path, bytes: Object.values(files)[i].size }));
  return {
    label: name,
    list: async () => listed,
    async get(path, progress) {
      const blob = byPath.get(path);
      if (!blob) return null;
      progress?.initiate(path, blob.size);
      const bytes = new Uint8Array(await blob.arrayBuffer());
      progress?.done(path, bytes.length, true);
      return bytes;
    },
  };
}

/** The fetcher for a source; `signal` (one load's) stops its network requests when aborted. */
export function fetcherFor(source: ModelSource, settings: SourceSettings = {}, signal?: AbortSignal): FileFetcher {
  switch (source.kind) {
    case 'hub': {
      const host = checkHubHost(settings.hubHost ?? DEFAULT_HUB);
      const fetcher = urlFetcher(`${host}/${source.id}/resolve/${encodeURIComponent(source.revision ?? 'main')}/`, sourceId(source), signal);
      return { ...fetcher, list: () => hubTree(host, source.id, source.revision ?? 'main', signal) };
    }
    case 'url':
      return urlFetcher(source.baseUrl, source.baseUrl, signal);
    case 'files':
      return filesFetcher(source.name, source.files);
    case 'demo': {
      if (!settings.demoUrl) throw new EngineError('bad_input', 'the demo model URL is not configured');
      return urlFetcher(settings.demoUrl, DEMO_MODEL_ID, signal);
    }
  }
}
