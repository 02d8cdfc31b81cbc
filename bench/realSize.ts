/**
 * `npm run bench:real [fp32|q4] [tokens]` (after bench/setup.ts). Real size without a download: a random-weight decoder with Qwen2.5-0.5B's shapes (24 blocks ×
 * 896, GroupQueryAttention 14/2 heads of 64, MLP 4864, vocab 151936, q/k/v biases) in the layout
 * of onnxruntime-genai's builder (SimplifiedLayerNormalization, SkipSimplifiedLayerNormalization,
 * GroupQueryAttention with rotary caches), written to a temporary Hub-layout folder. Block
 * MatMuls and the LM head are 4-bit MatMulNBits (block 32) with an fp32 embedding, as q4 exports
 * ship: ~0.75 GB. (An fp32 build is 2.5 GB, past protobuf's 2 GB for one file; not built here.)
 *
 * Measures, as ratios on this machine: our generate() ÷ transformers.js generate() decode,
 * batch 8 ÷ 8 sequential rollouts, the time of one trait's extraction work for 20 questions
 * (20 + 20 rollouts in batches of 8, then the captures of those 40 rows), and peak RSS ÷ model size.
 */
import './setup'; // first: transformers.js must find the shared onnxruntime-web before anything imports it (src/engine/tokenizer.ts does)
import { closeSync, existsSync, mkdtempSync, copyFileSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { buildOnnx, TensorType, type NodeSpec, type TensorSpec } from '../src/engine/testing/onnxBuilder';
import { GQA_FIXTURE_DIR } from '../src/engine/testing/paths';
import { loadModel } from '../src/engine/loadModel';
import { folderFetcher } from '../src/engine/nodeFolderFetcher';
import { generate } from '../src/engine/generate';
import { captureBatch } from '../src/engine/captureBatch';
import { promptOf } from './decode';
import { transformers } from './setup';
import { cpuMs } from './timing';

export const QWEN_0_5B = { layers: 24, hidden: 896, heads: 14, kvHeads: 2, headDim: 64, intermediate: 4864, vocab: 151936, maxPositions: 2048 };
/** The same layout at a size SwiftShader runs in seconds: checks the `--real` path end to end on a machine without a GPU. */
export const QWEN_SHAPED_SMALL = { layers: 2, hidden: 128, heads: 2, kvHeads: 1, headDim: 64, intermediate: 256, vocab: 4096, maxPositions: 512 };
type Shape = typeof QWEN_0_5B;

/** Fills bytes with a cheap xorshift stream. */
function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  const words = new Uint32Array(out.buffer, 0, n >> 2);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return out;
}

/** Uniform floats in [-scale, scale). */
function randomFloats(n: number, scale: number, seed: number): Uint8Array {
  const bits = new Uint32Array(randomBytes(n * 4, seed).buffer);
  const f = new Float32Array(n);
  for (let i = 0; i < n; i++) f[i] = ((bits[i] / 2 ** 32) * 2 - 1) * scale;
  return new Uint8Array(f.buffer);
}

/** The graph bytes (q4 MatMulNBits, fp32 embedding, norms and biases). */
/**
 * The graph bytes: q4 (MatMulNBits, fp32 embedding, norms and biases) inline, or fp32 with every
 * weight over 1 MiB written to `dataFile` (an fp32 build is past protobuf's 2 GB for one file).
 */
export function qwenShaped(
  shape: Shape = QWEN_0_5B,
  quant: 'q4' | 'fp32' = 'q4',
  dataFile?: { path: string; location: string },
): { bytes: Uint8Array; dataFiles: string[] } {
  const { layers: L, hidden: H, heads, kvHeads, headDim: D, intermediate: I, vocab: V, maxPositions } = shape;
  const F = TensorType.FLOAT;
  const inits: TensorSpec[] = [];
  // chunks under 2 GiB (what Node reads into one buffer), named as transformers.js numbers them: model.onnx_data, model.onnx_data_1, …
  const dataFiles: string[] = [];
  let fd: number | null = null;
  let written = 0;
  const push = (t: TensorSpec) => {
    if (!dataFile || t.raw.length < 1 << 20) return void inits.push(t);
    if (fd === null || written + t.raw.length > 1.5 * 2 ** 30) {
      if (fd !== null) closeSync(fd);
      const suffix = dataFiles.length ? `_${dataFiles.length}` : '';
      dataFiles.push(dataFile.location + suffix);
      fd = openSync(dataFile.path + suffix, 'w');
      written = 0;
    }
    writeSync(fd, t.raw);
    inits.push({ ...t, raw: new Uint8Array(0), external: { location: dataFiles[dataFiles.length - 1], offset: written, length: t.raw.length } });
    written += t.raw.length;
  };
  const nodes: NodeSpec[] = [];
  let seed = 1;
  const floats = (name: string, dims: number[], scale: number) =>
    push({
      name,
      dataType: F,
      dims,
      raw: randomFloats(
        dims.reduce((a, b) => a * b, 1),
        scale,
        seed++,
      ),
    });
  const ones = (name: string, n: number) => inits.push({ name, dataType: F, dims: [n], raw: new Uint8Array(Float32Array.from({ length: n }, () => 1).buffer) });
  const int64 = (name: string, values: number[], dims: number[]) =>
    inits.push({ name, dataType: TensorType.INT64, dims, raw: new Uint8Array(BigInt64Array.from(values, BigInt).buffer) });
  /** y = x · W with W [K, N] stored 4-bit in blocks of 32 (MatMulNBits). */
  const matmul4 = (x: string, w: string, K: number, N: number, y: string) => {
    if (quant === 'fp32') {
      floats(`${w}.weight`, [K, N], 1 / Math.sqrt(K));
      nodes.push({ op: 'MatMul', inputs: [x, `${w}.weight`], outputs: [y] });
      return;
    }
    const blocks = K / 32;
    inits.push({ name: `${w}.q4`, dataType: TensorType.UINT8, dims: [N, blocks, 16], raw: randomBytes(N * blocks * 16, seed++) });
    inits.push({
      name: `${w}.scales`,
      dataType: F,
      dims: [N * blocks],
      raw: new Uint8Array(new Float32Array(N * blocks).fill(0.02 / Math.sqrt(K / 64)).buffer),
    });
    nodes.push({
      op: 'MatMulNBits',
      domain: 'com.microsoft',
      inputs: [x, `${w}.q4`, `${w}.scales`],
      outputs: [y],
      ints: { K, N, bits: 4, block_size: 32, accuracy_level: 4 },
    });
  };

  int64('one', [1], [1]);
  int64('axis1', [1], [1]);
  nodes.push({ op: 'ReduceSum', inputs: ['attention_mask', 'axis1'], outputs: ['mask_sum'], ints: { keepdims: 0 } });
  nodes.push({ op: 'Sub', inputs: ['mask_sum', 'one'], outputs: ['seqlens64'] });
  nodes.push({ op: 'Cast', inputs: ['seqlens64'], outputs: ['seqlens_k'], ints: { to: TensorType.INT32 } });
  nodes.push({ op: 'Shape', inputs: ['attention_mask'], outputs: ['mask_shape'] });
  nodes.push({ op: 'Gather', inputs: ['mask_shape', 'axis1'], outputs: ['total64'], ints: { axis: 0 } });
  nodes.push({ op: 'Cast', inputs: ['total64'], outputs: ['total_seq_len'], ints: { to: TensorType.INT32 } });
  // rotary caches [maxPositions, D/2]
  const cos = new Float32Array((maxPositions * D) / 2);
  const sin = new Float32Array((maxPositions * D) / 2);
  for (let p = 0; p < maxPositions; p++)
    for (let i = 0; i < D / 2; i++) {
      const a = p / 1e6 ** ((2 * i) / D);
      cos[(p * D) / 2 + i] = Math.cos(a);
      sin[(p * D) / 2 + i] = Math.sin(a);
    }
  inits.push({ name: 'cos_cache', dataType: F, dims: [maxPositions, D / 2], raw: new Uint8Array(cos.buffer) });
  inits.push({ name: 'sin_cache', dataType: F, dims: [maxPositions, D / 2], raw: new Uint8Array(sin.buffer) });

  floats('model.embed_tokens.weight', [V, H], 0.05);
  nodes.push({ op: 'Gather', inputs: ['model.embed_tokens.weight', 'input_ids'], outputs: ['embed'] });
  let resid = 'embed';
  ones('model.layers.0.input_layernorm.weight', H);
  nodes.push({ op: 'SimplifiedLayerNormalization', inputs: ['embed', 'model.layers.0.input_layernorm.weight'], outputs: ['ln.0.in'], ints: { axis: 2 } });
  const qkv = H + 2 * kvHeads * D;
  for (let l = 0; l < L; l++) {
    const p = `model.layers.${l}`;
    matmul4(`ln.${l}.in`, `${p}.attn.qkv_proj`, H, qkv, `qkv.${l}.mm`);
    floats(`${p}.attn.qkv_proj.bias`, [qkv], 0.02);
    nodes.push({ op: 'Add', inputs: [`qkv.${l}.mm`, `${p}.attn.qkv_proj.bias`], outputs: [`qkv.${l}`] });
    nodes.push({
      op: 'GroupQueryAttention',
      domain: 'com.microsoft',
      inputs: [`qkv.${l}`, '', '', `past_key_values.${l}.key`, `past_key_values.${l}.value`, 'seqlens_k', 'total_seq_len', 'cos_cache', 'sin_cache'],
      outputs: [`attn.${l}`, `present.${l}.key`, `present.${l}.value`],
      ints: { num_heads: heads, kv_num_heads: kvHeads, do_rotary: 1 },
    });
    matmul4(`attn.${l}`, `${p}.attn.o_proj`, H, H, `o.${l}`);
    ones(`${p}.post_attention_layernorm.weight`, H);
    nodes.push({
      op: 'SkipSimplifiedLayerNormalization',
      domain: 'com.microsoft',
      inputs: [resid, `o.${l}`, `${p}.post_attention_layernorm.weight`],
      outputs: [`ln.${l}.post`, '', '', `resid.${l}.mid`],
    });
    matmul4(`ln.${l}.post`, `${p}.mlp.gate_proj`, H, I, `gate.${l}`);
    matmul4(`ln.${l}.post`, `${p}.mlp.up_proj`, H, I, `up.${l}`);
    nodes.push({ op: 'Sigmoid', inputs: [`gate.${l}`], outputs: [`sig.${l}`] });
    nodes.push({ op: 'Mul', inputs: [`gate.${l}`, `sig.${l}`], outputs: [`act.${l}`] });
    nodes.push({ op: 'Mul', inputs: [`act.${l}`, `up.${l}`], outputs: [`prod.${l}`] });
    matmul4(`prod.${l}`, `${p}.mlp.down_proj`, I, H, `down.${l}`);
    const next = l + 1 < L ? `model.layers.${l + 1}.input_layernorm.weight` : 'model.norm.weight';
    ones(next, H);
    nodes.push({
      op: 'SkipSimplifiedLayerNormalization',
      domain: 'com.microsoft',
      inputs: [`resid.${l}.mid`, `down.${l}`, next],
      outputs: l + 1 < L ? [`ln.${l + 1}.in`, '', '', `resid.${l}.out`] : ['final'],
    });
    resid = `resid.${l}.out`;
  }
  matmul4('final', 'lm_head', H, V, 'logits');
  const kv = (name: string, seq: string) => ({ name, elemType: F, dims: ['batch_size', kvHeads, seq, D] });
  if (fd !== null) closeSync(fd);
  const bytes = buildOnnx({
    nodes,
    initializers: inits,
    opset: 21,
    domains: { 'com.microsoft': 1 },
    inputs: [
      { name: 'input_ids', elemType: TensorType.INT64, dims: ['batch_size', 'sequence_length'] },
      { name: 'attention_mask', elemType: TensorType.INT64, dims: ['batch_size', 'total_sequence_length'] },
      ...Array.from({ length: L }, (_, l) => [
        kv(`past_key_values.${l}.key`, 'past_sequence_length'),
        kv(`past_key_values.${l}.value`, 'past_sequence_length'),
      ]).flat(),
    ],
    outputs: [
      { name: 'logits', elemType: F, dims: ['batch_size', 'sequence_length', V] },
      ...Array.from({ length: L }, (_, l) => [kv(`present.${l}.key`, 'total_sequence_length'), kv(`present.${l}.value`, 'total_sequence_length')]).flat(),
    ],
  });
  return { bytes, dataFiles };
}

/** A Hub-layout folder: config.json, onnx/model.onnx (+ model.onnx_data for fp32), and the GQA fixture's tokenizer (ids only are used). */
export function writeQwenShapedFolder(quant: 'q4' | 'fp32', shape: Shape = QWEN_0_5B): { dir: string; modelBytes: number } {
  const dir = mkdtempSync(join(tmpdir(), 'persona-lab-qwen-shaped-'));
  mkdirSync(join(dir, 'onnx'));
  const data = join(dir, 'onnx/model.onnx_data');
  const { bytes, dataFiles } = qwenShaped(shape, quant, quant === 'fp32' ? { path: data, location: 'model.onnx_data' } : undefined);
  writeFileSync(join(dir, 'onnx/model.onnx'), bytes);
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      architectures: ['Qwen2ForCausalLM'],
      model_type: 'qwen2',
      hidden_size: shape.hidden,
      intermediate_size: shape.intermediate,
      num_hidden_layers: shape.layers,
      num_attention_heads: shape.heads,
      num_key_value_heads: shape.kvHeads,
      head_dim: shape.headDim,
      vocab_size: shape.vocab,
      max_position_embeddings: shape.maxPositions,
      bos_token_id: 1,
      eos_token_id: 2,
      pad_token_id: 0,
      torch_dtype: 'float32',
      'transformers.js_config': { use_external_data_format: dataFiles.length || false },
    }),
  );
  for (const f of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) copyFileSync(join(GQA_FIXTURE_DIR, f), join(dir, f));
  return { dir, modelBytes: bytes.length + dataFiles.reduce((n, f) => n + statSync(join(dir, 'onnx', f)).size, 0) };
}

export interface RealSizeResult {
  quant: 'q4' | 'fp32';
  modelBytes: number;
  newTokens: number;
  /** Median CPU ms of a decode step (prefill left out). */
  oursStepMs: number;
  theirsStepMs: number;
  tokensAgree: boolean;
  /** Why transformers.js could not run this build, if it could not. */
  theirsError: string | null;
  batchMs: number;
  sequentialMs: number;
  extractionS: number;
  peakRssBytes: number;
  buildS: number;
}

const medianOf = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The measures on one build; ours and transformers.js run one after the other (two sessions of this size overflow wasm's 4 GB heap). */
export async function realSizeBench(
  quant: 'q4' | 'fp32' = 'fp32',
  newTokens = 4,
  options: { batch?: boolean; extraction?: boolean } = {},
): Promise<RealSizeResult> {
  const t0 = performance.now();
  const { dir, modelBytes } = writeQwenShapedFolder(quant);
  const buildS = (performance.now() - t0) / 1000;
  try {
    const prompt = promptOf(16, 32000, 1);
    const model = await loadModel(folderFetcher(dir), { backend: 'wasm' });
    const steps: number[] = [];
    let ours: number[] = [];
    for (let r = 0; r < 2; r++) {
      const stamps: number[] = [];
      ours = (await generate(model, { prompts: [prompt], maxNewTokens: newTokens, stopTokenIds: [], onStep: () => stamps.push(cpuMs()) })).tokens[0];
      if (r > 0) steps.push(...stamps.slice(1).map((x, i) => x - stamps[i]));
    }
    let batchMs = NaN;
    let sequentialMs = NaN;
    // short prompts and 2 new tokens for the batch and extraction figures: a full-size pass costs ~0.5 G multiply-adds per token
    const short = 2;
    const prompts = Array.from({ length: 8 }, (_, i) => promptOf(6 + (i % 4), 32000, i + 1));
    if (options.batch !== false) {
      let c = cpuMs();
      await generate(model, { prompts, maxNewTokens: short, stopTokenIds: [] });
      batchMs = cpuMs() - c;
      c = cpuMs();
      for (const p of prompts) await generate(model, { prompts: [p], maxNewTokens: short, stopTokenIds: [] });
      sequentialMs = cpuMs() - c;
    }
    let extractionS = NaN;
    if (options.extraction !== false) {
      // one trait, 20 questions: 20 positive + 20 negative rollouts in batches of 8, then the captures of those 40 rows
      const c = cpuMs();
      const questions = Array.from({ length: 40 }, (_, i) => promptOf(8, 32000, 100 + i));
      const rows: number[][] = [];
      for (let i = 0; i < questions.length; i += 8) {
        const batch = questions.slice(i, i + 8);
        const out = await generate(model, { prompts: batch, maxNewTokens: short, stopTokenIds: [] });
        batch.forEach((q, b) => rows.push([...q, ...out.tokens[b]]));
      }
      for (let i = 0; i < rows.length; i += 8) await captureBatch(model, rows.slice(i, i + 8), { resid: true });
      extractionS = (cpuMs() - c) / 1000;
    }
    await model.session.release();
    process.stdout.write(`ours: ${JSON.stringify({ steps, batchMs, sequentialMs, extractionS })}\n`);

    const theirSteps: number[] = [];
    let theirTokens: number[] = [];
    let theirsError: string | null = null;
    try {
      transformers.env.localModelPath = `${dirname(dir)}/`;
      const theirs = await transformers.AutoModelForCausalLM.from_pretrained(basename(dir), { dtype: 'fp32', device: 'auto' as never });
      const input_ids = new transformers.Tensor('int64', BigInt64Array.from(prompt, BigInt), [1, prompt.length]);
      const attention_mask = new transformers.Tensor(
        'int64',
        BigInt64Array.from(prompt, () => 1n),
        [1, prompt.length],
      );
      for (let r = 0; r < 2; r++) {
        const stamps: number[] = [];
        let first = true;
        const streamer = { put: () => (first ? (first = false) : stamps.push(cpuMs())), end: () => {} };
        const out = (await theirs.generate({
          input_ids,
          attention_mask,
          max_new_tokens: newTokens,
          min_new_tokens: newTokens,
          do_sample: false,
          streamer,
        } as never)) as { data: BigInt64Array };
        theirTokens = Array.from(out.data, Number).slice(prompt.length);
        if (r > 0) theirSteps.push(...stamps.slice(1).map((x, i) => x - stamps[i]));
      }
      await (theirs as unknown as { dispose(): Promise<unknown> }).dispose();
    } catch (e) {
      theirsError = (e as Error).message.split('\n')[0];
    }
    return {
      theirsError,
      quant,
      modelBytes,
      newTokens,
      oursStepMs: medianOf(steps),
      theirsStepMs: medianOf(theirSteps),
      tokensAgree: ours.join() === theirTokens.join(),
      batchMs,
      sequentialMs,
      extractionS,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      buildS,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `npm run bench:real [fp32|q4] [tokens]`: prints the ratios. */
if (process.argv[1]?.endsWith('realSize.ts')) {
  const quant = (process.argv[2] ?? 'fp32') as 'q4' | 'fp32';
  const tokens = Number(process.argv[3] ?? 4);
  const r = await realSizeBench(quant, tokens, quant === 'q4' ? { batch: false, extraction: false } : {});
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
  const lines: string[] = [];
  const console = { log: (line: string) => (lines.push(`- ${line}`), process.stdout.write(`${line}\n`)) };
  console.log(
    `Qwen2.5-0.5B-shaped random weights, ${quant}, ${gib(r.modelBytes)}, ${tokens} new tokens, ORT-web wasm 1 thread (built in ${r.buildS.toFixed(0)} s)`,
  );
  if (r.theirsError) console.log(`decode: ours ${r.oursStepMs.toFixed(0)} CPU ms per step; transformers.js could not load this build here: ${r.theirsError}`);
  else
    console.log(
      `decode tok/s, ours ÷ transformers.js generate(): ${(r.theirsStepMs / r.oursStepMs).toFixed(3)} (${r.oursStepMs.toFixed(0)} vs ${r.theirsStepMs.toFixed(0)} CPU ms per step; tokens agree: ${r.tokensAgree})`,
    );
  if (!Number.isNaN(r.batchMs))
    console.log(
      `batch 8 speed-up vs 8 sequential rollouts: ${(r.sequentialMs / r.batchMs).toFixed(3)} (prompts 6–9 tokens, 2 new tokens: ${r.batchMs.toFixed(0)} vs ${r.sequentialMs.toFixed(0)} CPU ms)`,
    );
  if (!Number.isNaN(r.extractionS))
    console.log(`one trait, 20 questions (40 rollouts of 8-token prompts + 2 new tokens in batches of 8, then 40 captures): ${r.extractionS.toFixed(1)} CPU s`);
  console.log(
    `peak RSS ÷ model size: ${(r.peakRssBytes / r.modelBytes).toFixed(2)} (${gib(r.peakRssBytes)}; the process holds the file bytes and onnxruntime's copy in the wasm heap, and for part of the run transformers.js's session)`,
  );
  const file = resolve(import.meta.dirname, 'RESULTS-real-size.md');
  const previous = existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n## ')
        .slice(1)
        .filter((s) => !s.startsWith(`${quant}\n`))
        .map((s) => `## ${s}`)
    : [];
  writeFileSync(
    file,
    `# Real-size benchmark (\`npm run bench:real [fp32|q4] [tokens]\`)\n\nWritten by bench/realSize.ts on ${new Date().toISOString().slice(0, 10)}, ${cpus().length} CPU cores (${cpus()[0]?.model ?? 'unknown'}) shared with other work: ratios only; CPU time of this process.\n\n${[...previous.map((p) => p.trimEnd()), `## ${quant}\n\n${lines.join('\n')}`].join('\n\n')}\n`,
  );
  process.exit(0);
}
