/**
 * The loader against repositories built on the fly from the fused fixture and served in the Hub's
 * layout: which files it fetches (the server's request log), the sizes it reports before
 * downloading, refusals that fetch no weights, and that every layout computes the fixture's logits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { Engine } from './engine';
import { EngineError } from './errors';
import { fetcherFor } from './modelSource';
import { folderFetcher } from './nodeFolderFetcher';
import { configureRuntime } from './ort';
import { listVariants } from './repoListing';
import { startHubServer, type HubServer } from './testing/hubServer';
import { loadLocalEngine } from './testing/models';
import { FUSED_FIXTURE_DIR } from './testing/paths';
import { addHugeVariant, addVariant, startRepo, writeFile } from './testing/variantRepos';
import type { Variant } from './variants';

const FIXTURE_ONNX = join(FUSED_FIXTURE_DIR, 'onnx/model.onnx');
const IDS = [1, 15043, 29892, 920, 526];
const HUGE = 4.5 * 2 ** 30;

/** Relative path → size of every file under dir. */
function sizesOf(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out.set(relative(dir, join(e.parentPath, e.name)).split(sep).join('/'), statSync(join(e.parentPath, e.name)).size);
  }
  return out;
}

function summary(variants: Variant[] | null) {
  return (variants ?? []).map((v) => ({ name: v.name, files: v.files.map((f) => [f.path, f.bytes]) }));
}

async function logitsOf(engine: Engine): Promise<Float32Array> {
  const out = await engine.capture({ rows: [{ prompt: { ids: IDS } }], includeLogits: true, includeResid: true });
  return Float32Array.from([...out.rows[0].logits!, ...out.rows[0].resid]);
}

let root: string;
let hub: HubServer;
let mirror: HubServer;
let baseline: Float32Array;
const MULTI = 'test-org/multi';
const ROOT_BUILDER = 'test-org/builder-root';
const SUB_BUILDER = 'test-org/builder-sub';
const DECLARED = 'test-org/declared-chunks';
const FOLDERS = 'test-org/builder-folders';

beforeAll(async () => {
  configureRuntime({ numThreads: 1 });
  root = mkdtempSync(join(tmpdir(), 'persona-lab-variants-'));
  // Several transformers.js variants, each the fixture's weights in another layout; q8 is huge (sparse).
  const multi = join(root, 'multi');
  startRepo(FUSED_FIXTURE_DIR, multi);
  addVariant(multi, FIXTURE_ONNX, 'onnx/model.onnx', ['model.onnx_data', 'model.onnx_data_1', 'model.onnx_data_2']);
  addVariant(multi, FIXTURE_ONNX, 'onnx/model_q4.onnx', ['model_q4.onnx_data']);
  addVariant(multi, FIXTURE_ONNX, 'onnx/model_q4f16.onnx', ['model_q4f16.onnx_data', 'model_q4f16.onnx_data_1']);
  addHugeVariant(multi, FIXTURE_ONNX, 'onnx/model_quantized.onnx', 'model_quantized.onnx_data', HUGE);
  // The builder's root layout: genai_config.json, model.onnx and model.onnx.data at the top.
  const rootBuilder = join(root, 'builder-root');
  startRepo(FUSED_FIXTURE_DIR, rootBuilder);
  writeFile(rootBuilder, 'genai_config.json', JSON.stringify({ model: { decoder: { filename: 'model.onnx' } } }));
  addVariant(rootBuilder, FIXTURE_ONNX, 'model.onnx', ['model.onnx.data']);
  // A builder subfolder named only by its genai_config.json, with its own graph file name.
  const subBuilder = join(root, 'builder-sub');
  startRepo(FUSED_FIXTURE_DIR, subBuilder);
  writeFile(subBuilder, 'cpu-int4-rtn-block-32/genai_config.json', JSON.stringify({ model: { decoder: { filename: 'tiny-int4.onnx' } } }));
  addVariant(subBuilder, FIXTURE_ONNX, 'cpu-int4-rtn-block-32/tiny-int4.onnx', ['tiny-int4.onnx.data']);
  // Chunk count declared in config.json (as transformers.js reads it).
  const declared = join(root, 'declared');
  startRepo(FUSED_FIXTURE_DIR, declared, { 'transformers.js_config': { use_external_data_format: { 'model_fp16.onnx': 2 } } });
  addVariant(declared, FIXTURE_ONNX, 'onnx/model_fp16.onnx', ['model_fp16.onnx_data', 'model_fp16.onnx_data_1']);

  // No config.json at the root: one self-contained folder per build (as microsoft's builder repositories).
  const folders = join(root, 'builder-folders');
  for (const [sub, graph] of [
    ['cuda-fp16', 'tiny-fp16.onnx'],
    ['cpu-int4-rtn-block-32', 'tiny-int4.onnx'],
  ]) {
    startRepo(FUSED_FIXTURE_DIR, join(folders, sub));
    writeFile(folders, `${sub}/genai_config.json`, JSON.stringify({ model: { decoder: { filename: graph } } }));
  }
  addHugeVariant(folders, FIXTURE_ONNX, 'cuda-fp16/tiny-fp16.onnx', 'tiny-fp16.onnx.data', HUGE);
  addVariant(folders, FIXTURE_ONNX, 'cpu-int4-rtn-block-32/tiny-int4.onnx', ['tiny-int4.onnx.data']);
  writeFile(folders, 'README.md', 'builds in folders');

  const repos = { [FOLDERS]: folders, [MULTI]: multi, [ROOT_BUILDER]: rootBuilder, [SUB_BUILDER]: subBuilder, [DECLARED]: declared };
  hub = await startHubServer(repos, { treePageSize: 4 });
  mirror = await startHubServer(repos, { treeApi: false });
  const { engine } = await loadLocalEngine(FUSED_FIXTURE_DIR);
  baseline = await logitsOf(engine);
  await engine.unload();
});

afterAll(async () => {
  await hub?.close();
  await mirror?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** GET requests (downloads) since `from` in a server's log, as repository paths. */
function downloaded(server: HubServer, repo: string, from: number): string[] {
  const prefix = `/${repo}/resolve/main/`;
  return server.requests
    .slice(from)
    .filter((r) => !r.method && r.status === 200 && r.path.startsWith(prefix))
    .map((r) => r.path.slice(prefix.length));
}

describe('listing variants with sizes, before any download', () => {
  it("the tree API (paged), HEAD requests, and a local folder list the same variants, with the files' true sizes", async () => {
    const sizes = sizesOf(join(root, 'multi'));
    const expected = [
      { name: 'fp32', files: ['onnx/model.onnx', 'onnx/model.onnx_data', 'onnx/model.onnx_data_1', 'onnx/model.onnx_data_2'] },
      { name: 'q8', files: ['onnx/model_quantized.onnx', 'onnx/model_quantized.onnx_data'] },
      { name: 'q4', files: ['onnx/model_q4.onnx', 'onnx/model_q4.onnx_data'] },
      { name: 'q4f16', files: ['onnx/model_q4f16.onnx', 'onnx/model_q4f16.onnx_data', 'onnx/model_q4f16.onnx_data_1'] },
    ].map((v) => ({ name: v.name, files: v.files.map((f) => [f, sizes.get(f)]) }));
    expect(sizes.get('onnx/model_quantized.onnx_data')).toBe(HUGE);
    const config = {};

    const before = hub.requests.length;
    const viaTree = await listVariants(fetcherFor({ kind: 'hub', id: MULTI }, { hubHost: hub.url }), config);
    expect(summary(viaTree)).toEqual(expected);
    const treeRequests = hub.requests.slice(before);
    expect(treeRequests.filter((r) => r.path.startsWith('/api/')).length).toBeGreaterThan(1); // followed the Link pages
    expect(treeRequests.filter((r) => r.path.includes('/resolve/') && !r.path.endsWith('genai_config.json'))).toEqual([]);

    const m0 = mirror.requests.length;
    const viaHead = await listVariants(fetcherFor({ kind: 'hub', id: MULTI }, { hubHost: mirror.url }), config);
    expect(summary(viaHead)).toEqual(expected);
    // Sizes came from HEAD requests only: nothing was downloaded but the tiny genai_config.json probe.
    expect(downloaded(mirror, MULTI, m0)).toEqual([]);
    expect(mirror.requests.slice(m0).some((r) => r.method === 'HEAD' && r.path.endsWith('onnx/model.onnx_data_2'))).toBe(true);

    expect(summary(await listVariants(folderFetcher(join(root, 'multi')), config))).toEqual(expected);
    const sum = viaTree!.find((v) => v.name === 'fp32')!.bytes;
    expect(sum).toBe(['onnx/model.onnx', 'onnx/model.onnx_data', 'onnx/model.onnx_data_1', 'onnx/model.onnx_data_2'].reduce((n, f) => n + sizes.get(f)!, 0));
  });

  it('HEAD probing asks for exactly the chunks config.json declares', async () => {
    const m0 = mirror.requests.length;
    const config = { 'transformers.js_config': { use_external_data_format: { 'model_fp16.onnx': 2 } } };
    const variants = await listVariants(fetcherFor({ kind: 'hub', id: DECLARED }, { hubHost: mirror.url }), config);
    expect(summary(variants)).toEqual([
      {
        name: 'fp16',
        files: ['onnx/model_fp16.onnx', 'onnx/model_fp16.onnx_data', 'onnx/model_fp16.onnx_data_1'].map((f) => [f, sizesOf(join(root, 'declared')).get(f)]),
      },
    ]);
    const chunkHeads = mirror.requests
      .slice(m0)
      .filter((r) => r.method === 'HEAD' && r.path.includes('model_fp16.onnx_data'))
      .map((r) => r.path.split('/').pop());
    expect(chunkHeads.sort()).toEqual(['model_fp16.onnx_data', 'model_fp16.onnx_data_1']);
  });
});

describe('the engine verb the Model panel calls', () => {
  it("listVariants: every variant with its files' sizes, where it runs, the default, and why q8 cannot run", async () => {
    const sizes = sizesOf(join(root, 'multi'));
    const from = hub.requests.length;
    const listing = await new Engine({ hubHost: hub.url }).listVariants({ source: { kind: 'hub', id: MULTI }, backend: 'wasm' });
    expect(downloaded(hub, MULTI, from).filter((p) => p.startsWith('onnx/'))).toEqual([]);
    expect([listing.id, listing.backend, listing.defaultVariant, listing.refusal]).toEqual([MULTI, 'wasm', 'q4', null]);
    expect(listing.variants.map((v) => v.name)).toEqual(['fp32', 'q8', 'q4', 'q4f16']);
    for (const v of listing.variants) {
      for (const f of v.files) expect(f.bytes).toBe(sizes.get(f.path));
      expect(v.bytes).toBe(v.files.reduce((n, f) => n + f.bytes, 0));
      expect(v.backend).toBe('wasm');
    }
    const q8 = listing.variants.find((v) => v.name === 'q8')!;
    expect(q8.refusal).toMatch(/^q8 needs 4\.50 GB, more than WASM can hold \(4 GB address space, about 3\.50 GB for weights\); .+ would fit$/);
    for (const name of ['fp32', 'q4', 'q4f16']) expect(q8.refusal).toMatch(new RegExp(`[ ;]${name} \\(\\d+\\.\\d MB\\)`));
    expect(listing.variants.filter((v) => v.refusal).map((v) => v.name)).toEqual(['q8']);
  });
});

describe('loading the chosen variant', () => {
  it("WASM default: q4, fetching only its graph and data; logits and residual rows equal the fixture's", async () => {
    const engine = new Engine({ hubHost: hub.url });
    const from = hub.requests.length;
    const info = await engine.load({ source: { kind: 'hub', id: MULTI }, backend: 'wasm' });
    expect(info.variant).toBe('onnx/model_q4.onnx');
    expect(downloaded(hub, MULTI, from).filter((p) => p.startsWith('onnx/'))).toEqual(['onnx/model_q4.onnx', 'onnx/model_q4.onnx_data']);
    expect(await logitsOf(engine)).toEqual(baseline);
    await engine.unload();
  });

  it("a chosen variant with three external-data chunks fetches all three, in the graph's order, and computes the same", async () => {
    const engine = new Engine({ hubHost: hub.url });
    const from = hub.requests.length;
    const info = await engine.load({ source: { kind: 'hub', id: MULTI }, backend: 'wasm', variant: 'fp32' });
    expect(info.variant).toBe('onnx/model.onnx');
    expect(downloaded(hub, MULTI, from).filter((p) => p.startsWith('onnx/'))).toEqual([
      'onnx/model.onnx',
      'onnx/model.onnx_data',
      'onnx/model.onnx_data_1',
      'onnx/model.onnx_data_2',
    ]);
    expect(await logitsOf(engine)).toEqual(baseline);
    await engine.unload();
  });

  it('q4f16 (the only kind some repositories ship) loads on WASM', async () => {
    const engine = new Engine({ hubHost: mirror.url });
    const info = await engine.load({ source: { kind: 'hub', id: MULTI }, backend: 'wasm', variant: 'q4f16' });
    expect([info.variant, info.backend]).toEqual(['onnx/model_q4f16.onnx', 'wasm']);
    expect(await logitsOf(engine)).toEqual(baseline);
    await engine.unload();
  });

  it('a variant too big for WASM is refused before download: zero bytes of its weights fetched, the fitting ones named', async () => {
    for (const server of [hub, mirror]) {
      const engine = new Engine({ hubHost: server.url });
      const from = server.requests.length;
      let error: unknown;
      try {
        await engine.load({ source: { kind: 'hub', id: MULTI }, backend: 'wasm', variant: 'q8' });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(EngineError);
      const e = error as EngineError;
      expect(e.code).toBe('too_large');
      expect(e.message).toBe('q8 needs 4.50 GB, more than WASM can hold (4 GB address space, about 3.50 GB for weights); nothing was downloaded');
      expect(e.hint).toMatch(/^Pick a smaller variant that fits: /);
      for (const name of ['fp32', 'q4', 'q4f16']) expect(e.hint).toMatch(new RegExp(`[ :]${name} \\(\\d+\\.\\d MB\\)`));
      expect(downloaded(server, MULTI, from).filter((p) => p.startsWith('onnx/'))).toEqual([]);
      expect(engine.loadedInfo).toBeNull();
    }
  });

  it('builder root layout (model.onnx + model.onnx.data, genai_config.json) loads through the tree API and through HEAD probing', async () => {
    for (const server of [hub, mirror]) {
      const engine = new Engine({ hubHost: server.url });
      const from = server.requests.length;
      const info = await engine.load({ source: { kind: 'hub', id: ROOT_BUILDER }, backend: 'wasm' });
      expect(info.variant).toBe('model.onnx');
      expect(downloaded(server, ROOT_BUILDER, from).filter((p) => p.startsWith('model.'))).toEqual(['model.onnx', 'model.onnx.data']);
      expect(await logitsOf(engine)).toEqual(baseline);
      await engine.unload();
    }
  });

  it('builder subfolder named by its genai_config.json loads (tree API, and a local folder)', async () => {
    const engine = new Engine({ hubHost: hub.url });
    const from = hub.requests.length;
    const info = await engine.load({ source: { kind: 'hub', id: SUB_BUILDER }, backend: 'wasm' });
    expect(info.variant).toBe('cpu-int4-rtn-block-32/tiny-int4.onnx');
    expect(downloaded(hub, SUB_BUILDER, from).filter((p) => p.includes('tiny-int4'))).toEqual([
      'cpu-int4-rtn-block-32/tiny-int4.onnx',
      'cpu-int4-rtn-block-32/tiny-int4.onnx.data',
    ]);
    expect(await logitsOf(engine)).toEqual(baseline);
    await engine.unload();
    const { engine: local, info: localInfo } = await loadLocalEngine(join(root, 'builder-sub'));
    expect(localInfo.variant).toBe('cpu-int4-rtn-block-32/tiny-int4.onnx');
    expect(await logitsOf(local)).toEqual(baseline);
    await local.unload();
  });

  it('a repository with no root config.json and one self-contained builder folder per build: lists the folders, loads the one that fits', async () => {
    const engine = new Engine({ hubHost: hub.url });
    const listing = await engine.listVariants({ source: { kind: 'hub', id: FOLDERS }, backend: 'wasm' });
    expect(listing.variants.map((v) => [v.name, v.onnxPath, v.refusal === null])).toEqual([
      ['cpu-int4-rtn-block-32', 'cpu-int4-rtn-block-32/tiny-int4.onnx', true],
      ['cuda-fp16', 'cuda-fp16/tiny-fp16.onnx', false],
    ]);
    expect(listing.defaultVariant).toBe('cpu-int4-rtn-block-32');
    const from = hub.requests.length;
    const info = await engine.load({ source: { kind: 'hub', id: FOLDERS }, backend: 'wasm' });
    expect([info.id, info.variant]).toEqual([FOLDERS, 'cpu-int4-rtn-block-32/tiny-int4.onnx']);
    const got = downloaded(hub, FOLDERS, from);
    expect(got).toContain('cpu-int4-rtn-block-32/config.json');
    expect(got).toContain('cpu-int4-rtn-block-32/tokenizer.json');
    expect(got.filter((p) => p.includes('.onnx'))).toEqual(['cpu-int4-rtn-block-32/tiny-int4.onnx', 'cpu-int4-rtn-block-32/tiny-int4.onnx.data']);
    expect(await logitsOf(engine)).toEqual(baseline);
    await engine.unload();
    const e = await engine.load({ source: { kind: 'hub', id: FOLDERS }, backend: 'wasm', variant: 'cuda-fp16' }).catch((x: unknown) => x);
    expect((e as EngineError).code).toBe('too_large');
    expect((e as EngineError).hint).toMatch(/^Pick a smaller variant that fits: cpu-int4-rtn-block-32 \(\d/);
  });
});
