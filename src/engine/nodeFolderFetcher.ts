/** Node-only: reads a model repository laid out like the Hub from a local folder (CLI, tests). */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { FileFetcher } from './modelSource';

/** Aborting `signal` stops a file read with an AbortError (the engine reports a cancelled load). */
export function folderFetcher(dir: string, signal?: AbortSignal): FileFetcher {
  return {
    label: dir,
    async list() {
      const entries = await readdir(dir, { recursive: true, withFileTypes: true });
      const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name));
      return Promise.all(files.map(async (file) => ({ path: relative(dir, file).split(sep).join('/'), bytes: (await stat(file)).size })));
    },
    async get(path, progress) {
      const file = join(dir, path);
      try {
        if (!(await stat(file)).isFile()) return null;
      } catch {
        return null;
      }
      const bytes = new Uint8Array(await readFile(file, { signal }));
      progress?.initiate(path, bytes.length);
      progress?.done(path, bytes.length, true);
      return bytes;
    },
  };
}
