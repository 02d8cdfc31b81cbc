/**
 * Lists a repository's ONNX variants with their sizes without downloading any weights: from the
 * source's file list when it has one (the Hub's tree API, a picked folder), else by asking the size
 * of each name the conventions allow (HTTP HEAD), external-data chunks included.
 */
import type { FileFetcher } from './modelSource';
import { DTYPES, DTYPE_SUFFIX, dirOf, externalChunkCount, externalDataNames, variantsFromFiles, type RepoFile, type Variant } from './variants';

const decoder = new TextDecoder();

/** The graph file a genai_config.json names (`model.decoder.filename`), or null. */
async function builderGraph(fetcher: FileFetcher, configPath: string): Promise<string | null> {
  const bytes = await fetcher.get(configPath);
  if (!bytes) return null;
  try {
    const filename = JSON.parse(decoder.decode(bytes))?.model?.decoder?.filename;
    return typeof filename === 'string' && filename.endsWith('.onnx') && !filename.includes('..') ? filename : null;
  } catch {
    return null; // an unreadable genai_config.json names nothing; the transformers.js names still count
  }
}

async function builderGraphs(fetcher: FileFetcher, configPaths: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const path of configPaths) {
    const file = await builderGraph(fetcher, path);
    if (file) out[dirOf(path)] = file;
  }
  return out;
}

/** Asks for the size of every name the conventions allow; what exists becomes the file list. */
async function probeFiles(
  fetcher: FileFetcher & { size(path: string): Promise<number | null> },
  config: Record<string, unknown>,
  graphs: Record<string, string>,
): Promise<RepoFile[]> {
  const found: RepoFile[] = [];
  const sizeOf = async (path: string) => {
    const bytes = await fetcher.size(path);
    if (bytes !== null) found.push({ path, bytes });
    return bytes;
  };
  const candidates = [
    ...new Set([
      ...DTYPES.map((d) => `onnx/model${DTYPE_SUFFIX[d]}.onnx`),
      'model.onnx',
      ...Object.entries(graphs).map(([dir, f]) => (dir ? `${dir}/${f}` : f)),
    ]),
  ];
  const graphFiles = (await Promise.all(candidates.map(async (p) => ((await sizeOf(p)) === null ? null : p)))).filter((p): p is string => p !== null);
  for (const graph of graphFiles) {
    const declared = externalChunkCount(config, graph);
    if (declared !== null) {
      await Promise.all(externalDataNames(graph, declared).map(sizeOf));
    } else {
      for (let i = 0; i < 100; i++) {
        if ((await sizeOf(externalDataNames(graph, i + 1)[i])) === null) break;
      }
    }
    await sizeOf(`${graph}.data`);
  }
  return found;
}

/** Paths relative to the repository: a picked folder's files start with the folder's name. */
export function repoPaths(paths: string[]): string[] {
  const split = paths.map((p) => p.replace(/\\/g, '/').split('/'));
  const first = split[0]?.[0];
  const prefixed = split.length > 0 && split.every((s) => s.length > 1 && s[0] === first);
  return split.map((s) => (prefixed ? s.slice(1) : s).join('/'));
}

/**
 * The variants of the repository behind `fetcher`, with sizes; null when the source can neither
 * list its files nor tell a file's size (the loader then tries names one by one).
 */
export async function listVariants(fetcher: FileFetcher, config: Record<string, unknown>): Promise<Variant[] | null> {
  const files = fetcher.list ? await fetcher.list() : null;
  if (files) {
    const configs = files.map((f) => f.path).filter((p) => p === 'genai_config.json' || p.endsWith('/genai_config.json'));
    return variantsFromFiles(files, await builderGraphs(fetcher, configs));
  }
  if (!fetcher.size) return null;
  const graphs = await builderGraphs(fetcher, ['genai_config.json']);
  const sized = fetcher as FileFetcher & { size(path: string): Promise<number | null> };
  return variantsFromFiles(await probeFiles(sized, config, graphs), graphs);
}

/**
 * Builder repositories whose root holds no config.json (one self-contained folder per build, each
 * with config.json, tokenizer.json and genai_config.json beside its graph): those folders'
 * variants, named by folder, with sizes. Null when the source cannot list its files.
 */
export async function selfContainedFolders(fetcher: FileFetcher): Promise<Variant[] | null> {
  const files = fetcher.list ? await fetcher.list() : null;
  if (!files) return null;
  const paths = new Set(files.map((f) => f.path));
  const folders = files
    .map((f) => f.path)
    .filter((p) => p.endsWith('/genai_config.json'))
    .map(dirOf)
    .filter((d) => paths.has(`${d}/config.json`) && paths.has(`${d}/tokenizer.json`));
  const graphs = await builderGraphs(
    fetcher,
    folders.map((d) => `${d}/genai_config.json`),
  );
  return variantsFromFiles(files, graphs).filter((v) => v.layout === 'builder' && folders.includes(dirOf(v.onnxPath)));
}

/** The repository seen from one of its folders, as if that folder were the root (same label: the model keeps its id). */
export function subfolderFetcher(fetcher: FileFetcher, dir: string): FileFetcher {
  const prefix = `${dir}/`;
  return {
    label: fetcher.label,
    get: (path, progress) => fetcher.get(prefix + path, progress),
    ...(fetcher.size ? { size: (path: string) => fetcher.size!(prefix + path) } : {}),
    ...(fetcher.list
      ? {
          list: async () =>
            (await fetcher.list!())?.filter((f) => f.path.startsWith(prefix)).map((f) => ({ path: f.path.slice(prefix.length), bytes: f.bytes })) ?? null,
        }
      : {}),
  };
}
