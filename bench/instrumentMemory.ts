/**
 * Instrumentation time and extra memory on a synthetic ~500 MB single-file fp32 ONNX decoder:
 * input_ids → Gather(embedding) → L blocks of two MatMul branches, each added into the residual
 * chain (decomposed style) → MatMul(lm_head) → logits. Weights are zeros: only sizes matter here.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildOnnx, TensorType, type NodeSpec, type TensorSpec } from '../src/engine/testing/onnxBuilder';

export interface MemoryResult {
  modelBytes: number;
  layers: number;
  instrumentMs: number;
  graphBytes: number;
  sharesOriginalBuffer: boolean;
  extraArrayBuffers: number;
  extraRss: number;
  extraRssAfterGc: number;
  peakExtraRss: number;
  extraHeapUsed: number;
  buildMs: number;
}

export function syntheticDecoder(layers: number, hidden: number, vocab: number): Uint8Array {
  const zeros = new Uint8Array(Math.max(hidden * hidden, hidden * vocab) * 4); // shared view for every weight
  const weight = (name: string, dims: number[]): TensorSpec => ({ name, dataType: TensorType.FLOAT, dims, raw: zeros.subarray(0, dims[0] * dims[1] * 4) });
  const initializers: TensorSpec[] = [weight('model.embed_tokens.weight', [vocab, hidden])];
  const nodes: NodeSpec[] = [{ op: 'Gather', inputs: ['model.embed_tokens.weight', 'input_ids'], outputs: ['embed'] }];
  let x = 'embed';
  for (let l = 0; l < layers; l++) {
    for (const part of ['attn', 'mlp']) {
      const w = `model.layers.${l}.${part}.weight`;
      initializers.push(weight(w, [hidden, hidden]));
      nodes.push({ op: 'MatMul', inputs: [x, w], outputs: [`/layers.${l}/${part}/out`] });
      nodes.push({ op: 'Add', inputs: [x, `/layers.${l}/${part}/out`], outputs: [`/layers.${l}/${part}/resid`] });
      x = `/layers.${l}/${part}/resid`;
    }
  }
  initializers.push(weight('lm_head.weight', [hidden, vocab]));
  nodes.push({ op: 'MatMul', inputs: [x, 'lm_head.weight'], outputs: ['logits'] });
  return buildOnnx({
    nodes,
    initializers,
    inputs: [{ name: 'input_ids', elemType: TensorType.INT64, dims: ['batch_size', 'sequence_length'] }],
    outputs: [{ name: 'logits', elemType: TensorType.FLOAT, dims: ['batch_size', 'sequence_length', vocab] }],
  });
}

export async function instrumentMemoryBench(layers = 14, hidden = 2048, vocab = 4096): Promise<MemoryResult> {
  const t = performance.now();
  const bytes = syntheticDecoder(layers, hidden, vocab);
  const buildMs = performance.now() - t;
  const dir = mkdtempSync(join(tmpdir(), 'persona-lab-bench-'));
  try {
    const file = join(dir, 'model.onnx');
    writeFileSync(file, bytes);
    const tsx = resolve(import.meta.dirname, '../node_modules/tsx/dist/loader.mjs');
    const out = await new Promise<string>((done, fail) =>
      execFile(
        process.execPath,
        ['--import', tsx, resolve(import.meta.dirname, 'instrumentChild.ts'), file, String(layers)],
        { maxBuffer: 1 << 20 },
        (err, stdout, stderr) => (err ? fail(new Error(`instrumentation child failed: ${stderr || err.message}`)) : done(stdout)),
      ),
    );
    return { ...JSON.parse(out), layers, buildMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
