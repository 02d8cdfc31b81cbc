/**
 * Builds model repositories for loader tests from a fixture: its graph re-laid out under any
 * variant name and layout (transformers.js names, builder root or subfolder, external data in
 * `_data`, `_data_1`, … chunks or one `.data` file). The weights are the fixture's, byte for byte,
 * so every layout must compute exactly what the fixture computes.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseOnnx, serializeOnnx } from '../onnx/onnxModel';
import { fields, ProtoWriter } from '../onnx/protobuf';

/** The fixture's files every repository copies (config, tokenizer), when the fixture has them. */
const REPO_FILES = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'];

export function writeFile(dir: string, path: string, bytes: Uint8Array | string): void {
  const file = join(dir, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
}

/** Copies the fixture's config and tokenizer files into `dir` (a new repository). */
export function startRepo(fixtureDir: string, dir: string, configExtra: Record<string, unknown> = {}): void {
  for (const f of REPO_FILES) {
    if (!existsSync(join(fixtureDir, f))) continue;
    if (f === 'config.json' && Object.keys(configExtra).length) {
      writeFile(dir, f, JSON.stringify({ ...JSON.parse(readFileSync(join(fixtureDir, f), 'utf8')), ...configExtra }));
    } else {
      mkdirSync(dir, { recursive: true });
      copyFileSync(join(fixtureDir, f), join(dir, f));
    }
  }
}

/**
 * The fixture graph `onnxFile` (with its external data beside it) re-laid out so that its
 * weights (external, or inline of 1 KiB or more) live in `chunks` (file names beside the new graph), split in order into nearly equal
 * parts. Returns the graph and each chunk's bytes.
 */
export function relayout(onnxFile: string, chunks: string[]): { graph: Uint8Array; data: Record<string, Uint8Array> } {
  const model = parseOnnx(new Uint8Array(readFileSync(onnxFile)));
  // Weights already external, and inline ones of 1 KiB or more (small constants stay in the graph).
  const external = model.graph.initializers.filter((i) => i.field && (i.external || (i.rawData && i.rawData.end - i.rawData.start >= 1024)));
  if (external.length < chunks.length) throw new Error(`${onnxFile} has ${external.length} weight tensors, fewer than ${chunks.length} chunks`);
  const sources = new Map<string, Uint8Array>();
  const parts: Uint8Array[][] = chunks.map(() => []);
  const sizes = chunks.map(() => 0);
  external.forEach((init, n) => {
    let bytes: Uint8Array;
    if (init.external) {
      const { location, offset, length } = init.external;
      if (!sources.has(location)) sources.set(location, new Uint8Array(readFileSync(join(dirname(onnxFile), location))));
      const source = sources.get(location)!;
      bytes = source.subarray(offset, length === null ? source.length : offset + length);
    } else {
      bytes = model.bytes.subarray(init.rawData!.start, init.rawData!.end);
    }
    const c = Math.min(chunks.length - 1, Math.floor((n * chunks.length) / external.length));
    const w = new ProtoWriter();
    for (const f of fields(model.bytes, init.field!.dataStart, init.field!.dataEnd)) {
      if (f.field === 9 || f.field === 13 || f.field === 14) continue;
      w.raw(model.bytes.subarray(f.start, f.end));
    }
    const entry = (key: string, value: string) => new ProtoWriter().stringField(1, key).stringField(2, value);
    w.messageField(13, entry('location', chunks[c]))
      .messageField(13, entry('offset', String(sizes[c])))
      .messageField(13, entry('length', String(bytes.length)));
    w.varintField(14, 1);
    init.replacement = w.finish();
    parts[c].push(bytes);
    sizes[c] += bytes.length;
  });
  const data: Record<string, Uint8Array> = {};
  chunks.forEach((name, c) => {
    const out = new Uint8Array(sizes[c]);
    let pos = 0;
    for (const p of parts[c]) {
      out.set(p, pos);
      pos += p.length;
    }
    data[name] = out;
  });
  return { graph: serializeOnnx(model), data };
}

/** Writes the fixture graph as `graphPath` in `dir` with its weights in `chunks` (names beside the graph). */
export function addVariant(dir: string, fixtureOnnx: string, graphPath: string, chunks: string[]): void {
  const { graph, data } = relayout(fixtureOnnx, chunks);
  writeFile(dir, graphPath, graph);
  const folder = dirname(graphPath);
  for (const [name, bytes] of Object.entries(data)) writeFile(dir, folder === '.' ? name : `${folder}/${name}`, bytes);
}

/**
 * A variant whose external data is a sparse file of `bytes` bytes (no disk used): big enough to
 * be refused before download; its contents must never be fetched.
 */
export function addHugeVariant(dir: string, fixtureOnnx: string, graphPath: string, chunk: string, bytes: number): void {
  const { graph } = relayout(fixtureOnnx, [chunk]);
  writeFile(dir, graphPath, graph);
  const file = join(dir, dirname(graphPath), chunk);
  writeFile(dir, join(dirname(graphPath), chunk), new Uint8Array(0));
  truncateSync(file, bytes);
}
