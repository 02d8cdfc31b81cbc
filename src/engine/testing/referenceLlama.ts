/**
 * An independent Llama forward pass in plain TypeScript (float64 arithmetic), computed from the
 * weights stored in the ONNX file itself, for checking what the instrumented graph captures.
 * Follows Hugging Face's LlamaForCausalLM: RMSNorm, rotary embedding with rotate_half, grouped-query
 * attention with a causal mask, SwiGLU MLP. Reads two weight layouts: HF state_dict names
 * (`model.layers.{i}.self_attn.q_proj.weight`, [out, in]; the decomposed demo export) and the
 * onnxruntime-genai builder's (`model.layers.{i}.attn.q_proj.MatMul.weight`, [in, out]; the fused
 * fixture), transposed here to [out, in].
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { float16ToFloat32 } from '../float16';
import { TensorType, parseOnnx, type Initializer, type OnnxModel } from '../onnx/onnxModel';

export interface LlamaConfig {
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  intermediate: number;
  vocab: number;
  eps: number;
  ropeTheta: number;
}

interface LayerWeights {
  inputNorm: Float32Array;
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  o: Float32Array;
  postNorm: Float32Array;
  gate: Float32Array;
  up: Float32Array;
  down: Float32Array;
}

export interface ReferenceLlama {
  config: LlamaConfig;
  embed: Float32Array;
  layers: LayerWeights[];
  norm: Float32Array;
  lmHead: Float32Array;
}

/** Decodes one initializer's values as float32 (inline raw data or external data beside the model). */
export function readInitializer(model: OnnxModel, init: Initializer, onnxDir?: string): Float32Array {
  let bytes: Uint8Array;
  if (init.rawData) bytes = model.bytes.subarray(init.rawData.start, init.rawData.end);
  else if (init.external && onnxDir) {
    const file = readFileSync(join(onnxDir, init.external.location));
    const length = init.external.length ?? file.length - init.external.offset;
    bytes = new Uint8Array(file.buffer, file.byteOffset + init.external.offset, length);
  } else throw new Error(`initializer ${init.name} has no raw data this reader understands`);
  const copy = bytes.slice(); // aligned
  if (init.dataType === TensorType.FLOAT) return new Float32Array(copy.buffer, 0, copy.length / 4);
  if (init.dataType === TensorType.FLOAT16) return float16ToFloat32(new Uint16Array(copy.buffer, 0, copy.length / 2));
  throw new Error(`initializer ${init.name} has element type ${init.dataType}, not float32/float16`);
}

/** Loads config.json and the weights of `<dir>/onnx/model.onnx`. */
export function loadReferenceLlama(dir: string, stem = 'model'): ReferenceLlama {
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, number | boolean | null>;
  const heads = Number(cfg.num_attention_heads);
  const hidden = Number(cfg.hidden_size);
  const config: LlamaConfig = {
    hidden,
    layers: Number(cfg.num_hidden_layers),
    heads,
    kvHeads: Number(cfg.num_key_value_heads ?? heads),
    headDim: Number(cfg.head_dim ?? hidden / heads),
    intermediate: Number(cfg.intermediate_size),
    vocab: Number(cfg.vocab_size),
    eps: Number(cfg.rms_norm_eps ?? 1e-6),
    ropeTheta: Number(cfg.rope_theta ?? 10000),
  };
  const model = parseOnnx(new Uint8Array(readFileSync(join(dir, 'onnx', `${stem}.onnx`))));
  const byName = new Map(model.graph.initializers.map((i) => [i.name, i]));
  const genai = !byName.has('model.layers.0.self_attn.q_proj.weight') && byName.has('model.layers.0.attn.q_proj.MatMul.weight');
  const read = (name: string): { data: Float32Array; dims: number[] } => {
    const init = byName.get(name);
    if (!init) throw new Error(`the ONNX file has no initializer "${name}" (the reference knows HF and onnxruntime-genai names)`);
    return { data: readInitializer(model, init, join(dir, 'onnx')), dims: init.dims };
  };
  const get = (name: string): Float32Array => read(name).data;
  /** A projection as [out, in]: genai stores MatMul weights [in, out]. */
  const proj = (hfName: string, genaiName: string): Float32Array => {
    if (!genai) return get(hfName);
    const { data, dims } = read(genaiName);
    const [rows, cols] = dims;
    const out = new Float32Array(data.length);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
    return out;
  };
  const layers: LayerWeights[] = [];
  for (let i = 0; i < config.layers; i++) {
    const p = `model.layers.${i}.`;
    layers.push({
      inputNorm: get(`${p}input_layernorm.weight`),
      q: proj(`${p}self_attn.q_proj.weight`, `${p}attn.q_proj.MatMul.weight`),
      k: proj(`${p}self_attn.k_proj.weight`, `${p}attn.k_proj.MatMul.weight`),
      v: proj(`${p}self_attn.v_proj.weight`, `${p}attn.v_proj.MatMul.weight`),
      o: proj(`${p}self_attn.o_proj.weight`, `${p}attn.o_proj.MatMul.weight`),
      postNorm: get(`${p}post_attention_layernorm.weight`),
      gate: proj(`${p}mlp.gate_proj.weight`, `${p}mlp.gate_proj.MatMul.weight`),
      up: proj(`${p}mlp.up_proj.weight`, `${p}mlp.up_proj.MatMul.weight`),
      down: proj(`${p}mlp.down_proj.weight`, `${p}mlp.down_proj.MatMul.weight`),
    });
  }
  const embed = get('model.embed_tokens.weight');
  const norm = genai ? get(`model.layers.${config.layers}.final_norm_layernorm.weight`) : get('model.norm.weight');
  const lmHead = genai ? proj('', 'lm_head.MatMul.weight') : byName.has('lm_head.weight') ? get('lm_head.weight') : embed;
  return { config, embed, layers, norm, lmHead };
}

/** y = W x with W stored [out, in]. */
function linear(w: Float32Array, x: Float64Array, out: number): Float64Array {
  const n = x.length;
  const y = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    let s = 0;
    const base = o * n;
    for (let i = 0; i < n; i++) s += w[base + i] * x[i];
    y[o] = s;
  }
  return y;
}

export function rmsNorm(x: Float64Array | Float32Array, weight: Float32Array, eps: number): Float64Array {
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += x[i] * x[i];
  const inv = 1 / Math.sqrt(ss / x.length + eps);
  return Float64Array.from(x, (v, i) => v * inv * weight[i]);
}

/** HF rotary embedding on one head vector at `pos` (rotate_half: halves, not interleaved pairs). */
function rotate(x: Float64Array, pos: number, theta: number): Float64Array {
  const d = x.length;
  const half = d / 2;
  const out = new Float64Array(d);
  for (let i = 0; i < half; i++) {
    const freq = pos / theta ** ((2 * i) / d);
    const c = Math.cos(freq);
    const s = Math.sin(freq);
    out[i] = x[i] * c - x[i + half] * s;
    out[i + half] = x[i + half] * c + x[i] * s;
  }
  return out;
}

export interface ReferenceOutput {
  /** L+1 rows of T hidden vectors: row 0 = embedding output, row l+1 = output of block l (no final norm). */
  hidden: Float64Array[][];
  /** T rows of vocab logits. */
  logits: Float64Array[];
}

/** Logits of one residual vector: final RMSNorm, then lm_head. */
export function headLogits(ref: ReferenceLlama, x: Float64Array | Float32Array): Float64Array {
  return linear(ref.lmHead, rmsNorm(x, ref.norm, ref.config.eps), ref.config.vocab);
}

/** Forward pass over one unpadded sequence at positions 0..T-1. */
export function referenceForward(ref: ReferenceLlama, ids: number[]): ReferenceOutput {
  const { hidden: H, heads, kvHeads, headDim: D, intermediate: I, eps, ropeTheta } = ref.config;
  const T = ids.length;
  let x = ids.map((id) => Float64Array.from(ref.embed.subarray(id * H, (id + 1) * H)));
  const rows: Float64Array[][] = [x.map((v) => v.slice())];
  const group = heads / kvHeads;
  for (const w of ref.layers) {
    const normed = x.map((v) => rmsNorm(v, w.inputNorm, eps));
    const q = normed.map((v) => linear(w.q, v, heads * D));
    const k = normed.map((v) => linear(w.k, v, kvHeads * D));
    const v = normed.map((v2) => linear(w.v, v2, kvHeads * D));
    const qr = q.map((qt, t) => Array.from({ length: heads }, (_, h) => rotate(qt.subarray(h * D, (h + 1) * D), t, ropeTheta)));
    const kr = k.map((kt, t) => Array.from({ length: kvHeads }, (_, h) => rotate(kt.subarray(h * D, (h + 1) * D), t, ropeTheta)));
    const attn = x.map(() => new Float64Array(heads * D));
    for (let h = 0; h < heads; h++) {
      const kvh = Math.floor(h / group);
      for (let t = 0; t < T; t++) {
        const scores = new Float64Array(t + 1);
        let max = -Infinity;
        for (let s = 0; s <= t; s++) {
          let dot = 0;
          for (let d = 0; d < D; d++) dot += qr[t][h][d] * kr[s][kvh][d];
          scores[s] = dot / Math.sqrt(D);
          max = Math.max(max, scores[s]);
        }
        let total = 0;
        for (let s = 0; s <= t; s++) total += scores[s] = Math.exp(scores[s] - max);
        for (let s = 0; s <= t; s++) {
          const p = scores[s] / total;
          for (let d = 0; d < D; d++) attn[t][h * D + d] += p * v[s][kvh * D + d];
        }
      }
    }
    x = x.map((xt, t) => {
      const o = linear(w.o, attn[t], H);
      const mid = Float64Array.from(xt, (val, i) => val + o[i]);
      const n2 = rmsNorm(mid, w.postNorm, eps);
      const g = linear(w.gate, n2, I);
      const u = linear(w.up, n2, I);
      const act = Float64Array.from(g, (gv, i) => (gv / (1 + Math.exp(-gv))) * u[i]);
      const down = linear(w.down, act, H);
      return Float64Array.from(mid, (val, i) => val + down[i]);
    });
    rows.push(x.map((v2) => v2.slice()));
  }
  return { hidden: rows, logits: x.map((v2) => headLogits(ref, v2)) };
}
