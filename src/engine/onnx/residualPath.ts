/**
 * Finds the residual stream of a decoder LLM graph structurally (DESIGN.md §5), for both export
 * styles: a chain of `Add`s (decomposed) or of SkipSimplifiedLayerNormalization nodes (fused),
 * from the embedding output to the final norm. Node names are never relied upon.
 */
import { TensorType, indexGraph, typeName, type OnnxGraph, type OnnxNode } from './onnxModel';

export type ExportStyle = 'fused' | 'decomposed';

const SKIP_NORMS = new Set(['SkipSimplifiedLayerNormalization', 'SkipLayerNormalization']);
const EMBED_OPS = new Set(['Gather', 'GatherBlockQuantized']);
/** Element-wise ops that may sit between the embedding lookup and the residual stream (scale, cast). */
const EMBED_EPILOGUE = new Set(['Mul', 'Div', 'Cast']);

/** One link of the chain: a node that adds a block's branch output into the residual stream. */
export interface ResidualLink {
  node: OnnxNode;
  /** Index (into node.inputs) of the incoming residual; the other summed input is the branch. */
  residualInput: number;
}

export interface ResidualPath {
  style: ExportStyle;
  /** Tensor holding the embedding output (row 0, hook `embed`). */
  embed: string;
  /** The embedding table the lookup reads (an initializer). */
  embedTable: string;
  /** 2 links per block: after attention, after the MLP. Block l's resid_post is links[2l+1]. */
  links: ResidualLink[];
  numLayers: number;
  /** Element type of the residual stream (from value_info, else the embedding table). */
  residualType: number;
}

export class InstrumentationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InstrumentationError';
  }
}

function initializerTypes(graph: OnnxGraph): Map<string, number> {
  return new Map(graph.initializers.map((i) => [i.name, i.dataType]));
}

/** True when `tensor` is `input_ids` or derived from it through casts/reshapes only. */
function fromInputIds(tensor: string, producer: Map<string, OnnxNode>): boolean {
  for (let hops = 0; hops < 4; hops++) {
    if (tensor === 'input_ids') return true;
    const p = producer.get(tensor);
    if (!p || !['Cast', 'Reshape', 'Squeeze', 'Unsqueeze'].includes(p.opType)) return false;
    tensor = p.inputs[0];
  }
  return false;
}

export function findResidualPath(graph: OnnxGraph, expectedLayers?: number): ResidualPath {
  const { producer, consumers } = indexGraph(graph);
  const initTypes = initializerTypes(graph);
  const graphInputs = new Set(graph.inputs.map((i) => i.name));
  const isComputed = (t: string) => producer.has(t) && producer.get(t)!.opType !== 'Constant';

  if (!graphInputs.has('input_ids')) {
    const found = graph.inputs.map((i) => i.name).join(', ') || 'none';
    throw new InstrumentationError(
      `expected a decoder language model with an "input_ids" input; found inputs: ${found}. Pick a text-generation (decoder) ONNX export.`,
    );
  }
  const gather = graph.nodes.find((n) => EMBED_OPS.has(n.opType) && n.inputs.some((t) => fromInputIds(t, producer)) && initTypes.has(n.inputs[0]));
  if (!gather) {
    throw new InstrumentationError('expected an embedding lookup (Gather of a weight table by input_ids); found none. Is this a decoder language model?');
  }
  let embed = gather.outputs[0];
  for (;;) {
    const next = consumers.get(embed) ?? [];
    if (next.length !== 1 || !EMBED_EPILOGUE.has(next[0].opType)) break;
    embed = next[0].outputs[0];
  }

  const links: ResidualLink[] = [];
  let current = embed;
  let style: ExportStyle | null = null;
  for (;;) {
    const users = consumers.get(current) ?? [];
    const skip = users.find((n) => SKIP_NORMS.has(n.opType) && (n.inputs[0] === current || n.inputs[1] === current));
    const add = users.find((n) => n.opType === 'Add' && n.inputs.length === 2 && n.inputs.every(isComputed));
    const node = skip ?? add;
    if (!node) break;
    const linkStyle: ExportStyle = skip ? 'fused' : 'decomposed';
    if (style && style !== linkStyle) {
      throw new InstrumentationError(
        `the residual stream mixes export styles: ${style} links, then a ${linkStyle} link at node "${node.name}" (${node.opType}); this graph layout is not supported`,
      );
    }
    style = linkStyle;
    links.push({ node, residualInput: node.inputs[0] === current ? 0 : 1 });
    if (linkStyle === 'decomposed') current = node.outputs[0];
    else if (node.outputs[3]) current = node.outputs[3];
    else break; // the final norm: its residual sum is not materialised yet
  }

  if (!style || links.length < 2) {
    const users = (consumers.get(embed) ?? []).map((n) => n.opType).join(', ') || 'nothing';
    throw new InstrumentationError(
      `expected a residual stream (a chain of Add or SkipSimplifiedLayerNormalization nodes) after the embedding "${embed}"; it feeds ${users}`,
    );
  }
  if (links.length % 2 !== 0 || (expectedLayers !== undefined && links.length !== 2 * expectedLayers)) {
    const expected = expectedLayers !== undefined ? `2 × ${expectedLayers} = ${2 * expectedLayers}` : 'an even number of';
    const last = links[links.length - 1].node;
    throw new InstrumentationError(
      `expected ${expected} residual additions (two per decoder block, as config.json says), found ${links.length}; the chain ends at node "${last.name}" (${last.opType})`,
    );
  }
  const numLayers = links.length / 2;

  const valueTypes = new Map<string, number>();
  for (const v of [...graph.valueInfo, ...graph.outputs, ...graph.inputs]) if (v.elemType) valueTypes.set(v.name, v.elemType);
  const residualType = valueTypes.get(embed) ?? initTypes.get(gather.inputs[0]) ?? TensorType.FLOAT;
  if (![TensorType.FLOAT, TensorType.FLOAT16, TensorType.BFLOAT16].includes(residualType as 1 | 10 | 16)) {
    throw new InstrumentationError(`expected a floating-point residual stream, found ${typeName(residualType)} at "${embed}"`);
  }
  return { style, embed, embedTable: gather.inputs[0], links, numLayers, residualType };
}
