/**
 * The page behind `npm run bench:webgpu` (bench/webgpu/run.ts): our engine and transformers.js on
 * the same onnxruntime-web, in one page, on WebGPU when the browser gives an adapter, otherwise on
 * WASM (and it says so). Wall-clock times (a page has no CPU clock); ratios are what to read.
 */
import './ortFirst'; // first: before src/engine/tokenizer.ts imports transformers.js
import * as transformers from '@huggingface/transformers';
import { ort, type Backend } from '../../src/engine/ort';
import { loadModel } from '../../src/engine/loadModel';
import { urlFetcher } from '../../src/engine/modelSource';
import { generate } from '../../src/engine/generate';
import { Engine } from '../../src/engine/engine';
import { argmaxOf } from '../../src/engine/testing/compare';
import { seededRandom } from '../../src/engine/sampling';
import { float16ToFloat32 } from '../../src/engine/float16';
import { parseOnnx, typeName } from '../../src/engine/onnx/onnxModel';
import { greedyInstrumented } from '../greedyInstrumented';

export interface BenchOptions {
  /** URL of the model folder (Hub layout), ending in '/'; its parent folder is transformers.js's localModelPath. */
  modelUrl: string;
  /** Graph stem under onnx/ (model, model_fp16, model_q4). */
  stem: string;
  /** New tokens per decode run, and interleaved repetitions. */
  tokens: number;
  reps: number;
}

export interface BenchReport {
  backend: Backend;
  adapter: string | null;
  /** Why the backend is WASM, when it is. */
  fallback: string | null;
  numLayers: number;
  hiddenSize: number;
  tokPerS: { original: number; instrumented: number; ours: number; transformersJs: number | null };
  transformersJsNote: string;
  tokensAgree: { instrumentedVsOriginal: boolean; oursVsTransformersJs: boolean | null };
  batch: { batchMs: number; sequentialMs: number; tokensAgree: boolean };
  slider: { firstMs: number; stepMs: number; steps: number };
  seconds: number;
}

declare global {
  interface Window {
    runBench(options: BenchOptions): Promise<BenchReport>;
    benchReady: boolean;
  }
}

const log = (s: string) => console.log(`[bench] ${s}`);

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
}

function promptOf(length: number, vocab: number, seed: number): number[] {
  return Array.from({ length }, (_, i) => 1 + ((seed * 7919 + i * 104729) % (vocab - 1)));
}

/** The adapter's name, or null without WebGPU. */
async function adapterName(): Promise<string | null> {
  type Info = { vendor?: string; architecture?: string; device?: string; description?: string };
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: Info; requestAdapterInfo?: () => Promise<Info> } | null> } }).gpu;
  if (!gpu) return null;
  const adapter = await gpu.requestAdapter();
  if (!adapter) return null;
  const info = adapter.info ?? (await adapter.requestAdapterInfo?.());
  return [info?.vendor, info?.architecture, info?.device, info?.description].filter(Boolean).join(' / ') || 'adapter without a name';
}

/**
 * Each contender `reps` times in ABBA order after a warm-up, each calling `tick` once per token;
 * returns the lower-quartile wall ms of the decode steps (every step after the first, the prefill).
 */
async function decodeSteps(contenders: Record<string, (tick: () => void) => Promise<unknown>>, reps: number): Promise<Record<string, number>> {
  const steps: Record<string, number[]> = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  for (const fn of Object.values(contenders)) await fn(() => {});
  for (let r = 0; r < reps; r++) {
    const entries = Object.entries(contenders);
    for (const [name, fn] of r % 2 ? entries.reverse() : entries) {
      const stamps: number[] = [performance.now()];
      await fn(() => stamps.push(performance.now()));
      steps[name].push(...stamps.slice(2).map((t, i) => t - stamps[i + 1]));
    }
  }
  return Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, quantile(v, 0.25)]));
}

/** Wall ms per contender, lower quartile of `reps` interleaved runs after a warm-up. */
async function interleaved(contenders: Record<string, () => Promise<unknown>>, reps: number): Promise<Record<string, number>> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  for (const fn of Object.values(contenders)) await fn();
  for (let r = 0; r < reps; r++) {
    const entries = Object.entries(contenders);
    for (const [name, fn] of r % 2 ? entries.reverse() : entries) {
      const t = performance.now();
      await fn();
      times[name].push(performance.now() - t);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, quantile(v, 0.25)]));
}

/** The un-instrumented graph on the same backend (present.* kept on the GPU there, as the engine keeps its cache). */
async function originalSession(options: BenchOptions, backend: Backend) {
  const get = async (path: string) => {
    const r = await fetch(new URL(path, options.modelUrl));
    if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
    return new Uint8Array(await r.arrayBuffer());
  };
  const bytes = await get(`onnx/${options.stem}.onnx`);
  const graph = parseOnnx(bytes).graph;
  const files = [...new Set(graph.initializers.flatMap((i) => (i.external ? [i.external.location] : [])))];
  const externalData = await Promise.all(files.map(async (path) => ({ path, data: await get(`onnx/${path}`) })));
  const past = graph.inputs
    .filter((i) => i.name.startsWith('past_key_values'))
    .map((i) => ({ name: i.name, dtype: typeName(i.elemType) as 'float32' | 'float16', heads: Number(i.dims?.[1]), headDim: Number(i.dims?.[3]) }));
  const presents = graph.outputs.filter((o) => o.name.startsWith('present')).map((o) => o.name);
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: [backend],
    externalData,
    graphOptimizationLevel: 'all',
    ...(backend === 'webgpu' && {
      preferredOutputLocation: Object.fromEntries(presents.map((n) => [n, 'gpu-buffer'])) as Record<string, ort.Tensor.DataLocation>,
    }),
  });
  const int64 = (row: number[]) => new ort.Tensor('int64', BigInt64Array.from(row, BigInt), [1, row.length]);
  /** The minimal greedy loop (batch 1). */
  const greedy = async (prompt: number[], n: number, tick: () => void): Promise<number[]> => {
    let cache: Record<string, ort.Tensor> = Object.fromEntries(
      past.map((p) => [p.name, new ort.Tensor(p.dtype, p.dtype === 'float16' ? new Uint16Array(0) : new Float32Array(0), [1, p.heads, 0, p.headDim])]),
    );
    let ids = prompt;
    let positions = prompt.map((_, i) => i);
    const mask = prompt.map(() => 1);
    const tokens: number[] = [];
    for (let step = 0; step < n; step++) {
      const feeds: Record<string, ort.Tensor> = { input_ids: int64(ids), attention_mask: int64(mask), ...cache };
      if (session.inputNames.includes('position_ids')) feeds.position_ids = int64(positions);
      const out = await session.run(feeds);
      const raw = out.logits.data as Float32Array | Uint16Array;
      const V = Number(out.logits.dims[2]);
      const last = raw.subarray((ids.length - 1) * V, ids.length * V);
      const best = argmaxOf(last instanceof Uint16Array ? float16ToFloat32(last) : last);
      tokens.push(best);
      tick();
      for (const t of Object.values(cache)) if (t.location === 'gpu-buffer') t.dispose();
      cache = Object.fromEntries(past.map((p) => [p.name, out[p.name.replace('past_key_values', 'present')]]));
      ids = [best];
      mask.push(1);
      positions = [positions[positions.length - 1] + 1];
    }
    for (const t of Object.values(cache)) if (t.location === 'gpu-buffer') t.dispose();
    return tokens;
  };
  return { session, greedy };
}

/** transformers.js generate() on the original graph; null with the reason when it cannot load it. */
async function transformersJs(options: BenchOptions, backend: Backend, prompt: number[]) {
  const id = options.modelUrl.slice(new URL('..', options.modelUrl).href.length).replace(/\/$/, '');
  transformers.env.localModelPath = new URL('..', options.modelUrl).href;
  transformers.env.allowLocalModels = true;
  transformers.env.allowRemoteModels = false;
  transformers.env.useBrowserCache = false;
  transformers.env.useWasmCache = false;
  const dtype =
    ({ model: 'fp32', model_fp16: 'fp16', model_q4: 'q4', model_q4f16: 'q4f16', model_quantized: 'q8' } as Record<string, string>)[options.stem] ?? 'fp32';

  const model = await transformers.AutoModelForCausalLM.from_pretrained(id, { dtype, device: backend } as never);
  const input_ids = new transformers.Tensor('int64', BigInt64Array.from(prompt, BigInt), [1, prompt.length]);
  const attention_mask = new transformers.Tensor(
    'int64',
    BigInt64Array.from(prompt, () => 1n),
    [1, prompt.length],
  );
  // transformers.js calls streamer.put once with the prompt, then once per generated token.
  return {
    model,
    run: async (n: number, tick: () => void) => {
      let first = true;
      const streamer = { put: () => (first ? (first = false) : tick()), end: () => {} };
      const out = (await model.generate({ input_ids, attention_mask, max_new_tokens: n, min_new_tokens: n, do_sample: false, streamer } as never)) as {
        data: BigInt64Array;
      };
      return Array.from(out.data, Number).slice(prompt.length);
    },
  };
}

function vectorOf(n: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

window.runBench = async (options: BenchOptions): Promise<BenchReport> => {
  const started = performance.now();
  const adapter = await adapterName();
  let backend: Backend = adapter ? 'webgpu' : 'wasm';
  let fallback = adapter ? null : 'navigator.gpu is missing or gave no adapter: measuring WASM in the browser instead';
  log(adapter ? `WebGPU adapter: ${adapter}` : fallback!);
  const n = options.tokens;
  const model = await loadModel(urlFetcher(options.modelUrl, 'bench model'), { backend, variant: options.stem });
  if (model.backend !== backend) {
    // e.g. a float16 model on an adapter without shader-f16 (SwiftShader): every contender then runs on WASM
    fallback = `the engine chose ${model.backend} over ${backend}: ${model.backendNote ?? 'no reason given'}; every contender runs on ${model.backend}`;
    backend = model.backend;
    log(fallback);
  }
  const original = await originalSession(options, backend);
  const prompt = promptOf(16, model.config.vocabSize, 1);
  const none = () => {};

  log('instrumented vs original, minimal greedy loops');
  const a = await original.greedy(prompt, n, none);
  const b = await greedyInstrumented(model, prompt, n, none);
  const loops = await decodeSteps(
    {
      original: (tick) => original.greedy(prompt, n, tick),
      instrumented: (tick) => greedyInstrumented(model, prompt, n, tick),
    },
    options.reps,
  );
  await original.session.release();

  log('our generate() vs transformers.js generate()');
  const ours = (k: number, tick: () => void) => generate(model, { prompts: [prompt], maxNewTokens: k, stopTokenIds: [], onStep: tick });
  const ourTokens = (await ours(n, none)).tokens[0];
  let theirs: Awaited<ReturnType<typeof transformersJs>> | null = null;
  const sameRuntime = (transformers.env.backends.onnx as { wasm?: unknown }).wasm === ort.env.wasm;
  let transformersJsNote = `transformers.js ${transformers.env.version}, device ${backend}, ${sameRuntime ? 'on the same onnxruntime-web instance as ours' : 'on its own copy of onnxruntime-web'}`;
  try {
    theirs = await transformersJs(options, backend, prompt);
  } catch (e) {
    transformersJsNote = `transformers.js could not load the model: ${(e as Error).message.split('\n')[0]}`;
    log(transformersJsNote);
  }
  let versus: Record<string, number>;
  let oursVsTransformersJs: boolean | null = null;
  if (theirs) {
    const theirTokens = await theirs.run(n, none);
    const eos = new Set(model.config.eosTokenIds);
    const cut = ourTokens.findIndex((t) => eos.has(t)); // min_new_tokens masks the end token: compare up to the first
    const upTo = cut < 0 ? n : cut;
    oursVsTransformersJs = ourTokens.slice(0, upTo).join() === theirTokens.slice(0, upTo).join();
    versus = await decodeSteps({ ours: (tick) => ours(n, tick), theirs: (tick) => theirs!.run(n, tick) }, options.reps);
    await (theirs.model as unknown as { dispose(): Promise<unknown> }).dispose();
  } else {
    versus = await decodeSteps({ ours: (tick) => ours(n, tick) }, options.reps);
  }

  log('batch of 4 vs 4 sequential');
  const prompts = [16, 12, 9, 5].map((len, i) => promptOf(len, model.config.vocabSize, i + 2));
  const run = (p: number[][]) => generate(model, { prompts: p, maxNewTokens: n, stopTokenIds: [] });
  const batched = await run(prompts);
  const solo: Awaited<ReturnType<typeof run>>[] = [];
  for (const p of prompts) solo.push(await run([p]));
  const t = await interleaved(
    {
      batch: () => run(prompts),
      sequential: async () => {
        for (const p of prompts) await run([p]);
      },
    },
    Math.max(2, options.reps - 1),
  );
  const H = model.info.hiddenSize;
  const L = model.info.numLayers;
  await model.session.release();

  log('slider → first steered token (engine, response mode, prefix reuse)');
  const engine = new Engine({ fetcher: () => urlFetcher(options.modelUrl, 'bench model') });
  await engine.load({ source: { kind: 'url', baseUrl: options.modelUrl }, backend, variant: options.stem });
  const sliderPrompt = { ids: promptOf(24, model.config.vocabSize, 9) };
  const steer = (i: number) => [{ layer: Math.min(1, L - 1), vector: vectorOf(H, 100 + i), alpha: 0.5 + i / 10 }];
  await engine.generate({
    rows: [
      { prompt: sliderPrompt, steering: null },
      { prompt: sliderPrompt, steering: steer(0) },
    ],
    maxNewTokens: n,
    seed: 1,
  });
  const firsts: number[] = [];
  const steps: number[] = [];
  for (let i = 1; i <= options.reps + 2; i++) {
    const stamps: number[] = [];
    const t0 = performance.now();
    await engine.generate({ rows: [{ prompt: sliderPrompt, steering: steer(i) }], maxNewTokens: n, seed: 1 }, () => stamps.push(performance.now()));
    firsts.push(stamps[0] - t0);
    steps.push(...stamps.slice(1).map((s, j) => s - stamps[j]));
  }
  await engine.unload();
  const firstMs = quantile(firsts, 0.5);
  const stepMs = quantile(steps, 0.5);

  const rate = (ms: number) => 1000 / ms;
  return {
    backend,
    adapter,
    fallback,
    numLayers: L,
    hiddenSize: H,
    tokPerS: {
      original: rate(loops.original),
      instrumented: rate(loops.instrumented),
      ours: rate(versus.ours),
      transformersJs: versus.theirs ? rate(versus.theirs) : null,
    },
    transformersJsNote,
    tokensAgree: { instrumentedVsOriginal: a.join() === b.join(), oursVsTransformersJs },
    batch: { batchMs: t.batch, sequentialMs: t.sequential, tokensAgree: batched.tokens.every((row, i) => row.join() === solo[i].tokens[0].join()) },
    slider: { firstMs, stepMs, steps: firstMs / stepMs },
    seconds: (performance.now() - started) / 1000,
  };
};
window.benchReady = true;
