/** Node-only: reads a model repository laid out like the Hub from a local folder (CLI, tests). */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileFetcher } from './modelSource';

export function folderFetcher(dir: string): FileFetcher {
  return {
    label: dir,
    async get(path, progress) {
      const file = join(dir, path);
      try {
        if (!(await stat(file)).isFile()) return null;
      } catch {
        return null;
      }
      const bytes = new Uint8Array(await readFile(file));
      progress?.initiate(path, bytes.length);
      progress?.done(path, bytes.length, true);
      return bytes;
    },
  };
}
