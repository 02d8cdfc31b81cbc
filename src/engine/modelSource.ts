/**
 * Where a model's files come from: a Hub id, any base URL laid out like the Hub, a folder the user
 * picked, or the bundled demo model. One fetcher interface; the loader never cares which.
 */
import { download } from './download';
import { EngineError } from './errors';
import type { ProgressTracker } from './progress';

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

/** Parses what a user typed: a Hub id or a URL. */
export function parseSourceText(text: string): ModelSource {
  const t = text.trim();
  if (t === '' || t === 'demo' || t === DEMO_MODEL_ID) return { kind: 'demo' };
  if (/^https?:\/\//.test(t)) return { kind: 'url', baseUrl: t };
  const [id, revision] = t.split('@');
  if (!HUB_ID.test(id)) {
    throw new EngineError('bad_input', `"${t}" is neither a Hub model id (owner/name) nor an http(s) URL`, 'Example: onnx-community/Qwen2.5-0.5B-Instruct');
  }
  return { kind: 'hub', id, revision: revision || undefined };
}

export function sourceId(source: ModelSource): string {
  switch (source.kind) {
    case 'hub': return source.revision ? `${source.id}@${source.revision}` : source.id;
    case 'url': return source.baseUrl;
    case 'files': return `local:${source.name}`;
    case 'demo': return DEMO_MODEL_ID;
  }
}

async function openCache(): Promise<Cache | null> {
  try {
    return typeof caches === 'undefined' ? null : await caches.open(CACHE_NAME);
  } catch {
    return null; // e.g. opaque origins or private mode
  }
}

/** Fetches files below a base URL, through the browser's Cache Storage when there is one. */
export function urlFetcher(baseUrl: string, label = baseUrl): FileFetcher {
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
      const bytes = await download(url, path, progress);
      if (!bytes) return null;
      try {
        await cache?.put(url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'application/octet-stream' } }));
      } catch {
        // Quota exceeded: the model still loads, it just is not cached for the next visit.
      }
      return bytes;
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
  return {
    label: name,
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

export function fetcherFor(source: ModelSource, settings: SourceSettings = {}): FileFetcher {
  switch (source.kind) {
    case 'hub': {
      const host = (settings.hubHost ?? DEFAULT_HUB).replace(/\/$/, '');
      return urlFetcher(`${host}/${source.id}/resolve/${encodeURIComponent(source.revision ?? 'main')}/`, sourceId(source));
    }
    case 'url':
      return urlFetcher(source.baseUrl);
    case 'files':
      return filesFetcher(source.name, source.files);
    case 'demo': {
      if (!settings.demoUrl) throw new EngineError('bad_input', 'the demo model URL is not configured');
      return urlFetcher(settings.demoUrl, DEMO_MODEL_ID);
    }
  }
}
