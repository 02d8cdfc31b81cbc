/**
 * Ops whose result for one batch row depends on the other rows. ORT's dynamic quantization
 * (the q8/int8/uint8 exports) quantizes each activation tensor with one scale and zero point taken
 * from the whole tensor — every row and every position of the batch, padding included — so a row
 * batched with others is quantized differently than alone (measured on the int8 Llama replica:
 * logits off by up to 7 % of their scale). Such graphs are run one row per pass.
 */
import type { OnnxGraph } from './onnxModel';

const COUPLING_OPS = new Set(['DynamicQuantizeLinear', 'DynamicQuantizeMatMul']);

/** The first op that couples the rows of a batch, or null when rows compute independently. */
export function rowCouplingOf(graph: Pick<OnnxGraph, 'nodes'>): string | null {
  return graph.nodes.find((n) => COUPLING_OPS.has(n.opType))?.opType ?? null;
}
