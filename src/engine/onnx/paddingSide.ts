/**
 * Which side a batch may be padded on so that every row computes as it would alone.
 *
 * Attention built from plain ops (or MultiHeadAttention with a mask) reads the attention mask
 * position by position, so left padding is exact. GroupQueryAttention (onnxruntime-genai builder
 * exports, onnx_ir "-GQA" exports) and SparseAttention read only each row's length from the mask
 * (`seqlens_k = ReduceSum(mask) − 1`) and take the valid tokens to be the first ones: a row must
 * start at position 0 and its padding must come after it (right padding).
 */
import type { OnnxGraph } from './onnxModel';

export type PaddingSide = 'left' | 'right';

/** Attention ops that take each row's valid tokens to be its first ones. */
const LEADING_TOKEN_OPS = new Set(['GroupQueryAttention', 'SparseAttention']);

export function paddingSideOf(graph: Pick<OnnxGraph, 'nodes'>): PaddingSide {
  return graph.nodes.some((n) => LEADING_TOKEN_OPS.has(n.opType)) ? 'right' : 'left';
}
