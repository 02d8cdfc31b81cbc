/**
 * The conformance corpus: one case per exporter family × variant that the engine is checked on.
 * Replicas (tools/conformance, committed under ./conformance) come with torch reference numbers;
 * the two shared fixtures are the onnxruntime-genai builder's real graphs, checked for
 * self-consistency. `conformanceTable()` renders the README's table from this list; the test
 * (src/engine/conformance.test.ts) runs every case that has no `todo` and checks that the README
 * holds exactly this table, so the README states only what the tests back.
 */
import { resolve } from 'node:path';
import { REPO_ROOT } from './paths';

export const CONFORMANCE_DIR = resolve(REPO_ROOT, 'src/engine/testing/conformance');

export interface ConformanceCase {
  /** Family as people know it. */
  family: string;
  /** Folder under CONFORMANCE_DIR, or an absolute path. */
  dir: string;
  /** ONNX file stem under onnx/. */
  variant: string;
  /** Who made the graph. */
  exporter: string;
  /** What the case exercises on the residual path. */
  structure: string;
  /** 'torch': rows and logits are compared with torch; 'self': self-consistency only (no weights to compare with). */
  reference: 'torch' | 'self';
  /** When set, the case is not run and the table says why. */
  todo?: string;
  /** Tolerance relative to the reference's magnitude, when the export computes in lower precision than torch's float32. */
  tolerance?: number;
  /** Why a cached decode cannot equal one full pass for this export (its numbers depend on the split). */
  chunkDependent?: string;
}

const REPLICA = 'optimum-layout replica (torch.onnx, opset 14)';
const BUILDER = 'onnxruntime-genai builder (real graph, shared fixture)';
const FIXTURES = resolve(REPO_ROOT, '../shared/fixtures');

export const CONFORMANCE_CASES: ConformanceCase[] = [
  { family: 'Llama', dir: 'llama', variant: 'model', exporter: REPLICA, structure: 'RMSNorm, grouped KV heads, untied head', reference: 'torch' },
  {
    family: 'Llama',
    dir: 'llama',
    variant: 'model_fp16',
    exporter: `${REPLICA} + fp16 conversion`,
    structure: 'float16 stream and weights, float32 graph inputs and outputs',
    reference: 'torch',
    tolerance: 2e-3,
  },
  {
    family: 'Llama',
    dir: 'llama',
    variant: 'model_quantized',
    exporter: `${REPLICA} + q8 post-processing`,
    structure: 'uint8 embedding Gather + DequantizeLinear',
    reference: 'torch',
  },
  {
    family: 'Llama',
    dir: 'llama',
    variant: 'model_int8',
    exporter: `${REPLICA} + q8 post-processing`,
    structure: 'uint8 embedding + DequantizeLinear, DynamicQuantizeLinear + MatMulInteger (int8 weights)',
    reference: 'torch',
    chunkDependent:
      'DynamicQuantizeLinear takes one scale per pass over the whole activation tensor, so a row’s numbers depend on the other tokens and rows in the pass (a cached decode or a batch gives slightly different numbers than one full pass; torch does the same)',
  },
  {
    family: 'Llama',
    dir: 'llama',
    variant: 'model_q4',
    exporter: `${REPLICA} + int4 post-processing`,
    structure: 'MatMulNBits (int4, block 32)',
    reference: 'torch',
  },
  {
    family: 'Llama',
    dir: 'llama_fused',
    variant: 'model',
    exporter: `${REPLICA} + builder-style norm fusion`,
    structure:
      'SimplifiedLayerNormalization, then SkipSimplifiedLayerNormalization per residual link (output 3 = stream; final norm output 0 only), plain attention',
    reference: 'torch',
  },
  { family: 'Qwen2', dir: 'qwen2', variant: 'model', exporter: REPLICA, structure: 'q/k/v bias', reference: 'torch' },
  { family: 'Qwen3', dir: 'qwen3', variant: 'model', exporter: REPLICA, structure: 'per-head q/k RMSNorm', reference: 'torch' },
  {
    family: 'Gemma 3',
    dir: 'gemma3',
    variant: 'model',
    exporter: REPLICA,
    structure: 'embedding × √hidden, sandwich norms, tied head, stream through Cast',
    reference: 'torch',
  },
  {
    family: 'Gemma 3',
    dir: 'gemma3',
    variant: 'model_quantized',
    exporter: `${REPLICA} + q8 post-processing`,
    structure: 'uint8 table + DequantizeLinear, then the scale Mul',
    reference: 'torch',
  },
  {
    family: 'Gemma 3',
    dir: 'gemma3',
    variant: 'model_q4',
    exporter: `${REPLICA} + int4 post-processing`,
    structure: 'shared embeddings: GatherBlockQuantized of the int4 head weights (through Reshape), MatMulNBits',
    reference: 'torch',
  },
  {
    family: 'Gemma 3',
    dir: 'gemma3_shared',
    variant: 'model',
    exporter: `${REPLICA} + shared-embeddings post-processing`,
    structure: 'shared embeddings: Gather of Transpose(head weight)',
    reference: 'torch',
  },
  {
    family: 'GPT-2',
    dir: 'gpt2',
    variant: 'model',
    exporter: REPLICA,
    structure: 'learned positions (row 0 = token + position), LayerNorm, Conv1D',
    reference: 'torch',
  },
  {
    family: 'GPT-2',
    dir: 'gpt2',
    variant: 'model_quantized',
    exporter: `${REPLICA} + q8 post-processing`,
    structure: 'uint8 token table + DequantizeLinear, then the position Add; float tied head',
    reference: 'torch',
  },
  {
    family: 'GPT-NeoX / Pythia',
    dir: 'gpt_neox',
    variant: 'model',
    exporter: REPLICA,
    structure: 'parallel residual (one link per block), partial rotary',
    reference: 'torch',
  },
  { family: 'Phi-3', dir: 'phi3', variant: 'model', exporter: REPLICA, structure: 'fused qkv and gate_up projections', reference: 'torch' },
  {
    family: 'Phi-3',
    dir: 'phi3',
    variant: 'model_q4',
    exporter: `${REPLICA} + int4 post-processing`,
    structure: 'MatMulNBits on fused projections',
    reference: 'torch',
  },
  {
    family: 'Llama',
    dir: resolve(FIXTURES, 'tiny-random-llama-fused'),
    variant: 'model',
    exporter: BUILDER,
    structure: 'fp16, SkipSimplifiedLayerNormalization, MultiHeadAttention',
    reference: 'self',
  },
  {
    family: 'Llama',
    dir: resolve(FIXTURES, 'tiny-random-llama-gqa'),
    variant: 'model',
    exporter: BUILDER,
    structure: 'fp32, SkipSimplifiedLayerNormalization, GroupQueryAttention, no position_ids',
    reference: 'self',
  },
  {
    family: 'LFM2 (hybrid)',
    dir: 'lfm2',
    variant: 'model',
    exporter: REPLICA,
    structure: 'short-conv block with a conv cache (past_conv.*) beside an attention block',
    reference: 'torch',
  },
];

export function caseDir(c: ConformanceCase): string {
  return resolve(CONFORMANCE_DIR, c.dir);
}

export function caseName(c: ConformanceCase): string {
  const folder = c.dir.split('/').pop();
  return `${folder}/${c.variant}`;
}

const CHECKS = {
  torch: '= torch: rows, logits, steered, cached decode, greedy; steering placement',
  self: 'steering placement; cached decode = full pass',
};
const BATCH = '; batch = alone';

/** The README's family × variant × status table. */
export function conformanceTable(): string {
  const lines = ['| family | variant | exporter | structure exercised | checked | status |', '|---|---|---|---|---|---|'];
  for (const c of CONFORMANCE_CASES) {
    const status = c.todo ? `not checked: ${c.todo}` : c.tolerance ? `passes (within ${c.tolerance} of the largest value: float16 arithmetic)` : 'passes';
    const checked = c.todo
      ? '—'
      : CHECKS[c.reference] + (c.chunkDependent ? ' (cached decode and batches ≠ a full pass alone, as in torch: one activation scale per pass)' : BATCH);
    lines.push(`| ${c.family} | \`${c.variant}\` | ${c.exporter} | ${c.structure} | ${checked} | ${status} |`);
  }
  return lines.join('\n');
}
