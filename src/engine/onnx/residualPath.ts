/**
 * Finds the residual stream of a decoder LLM graph by block boundaries (docs/ARCHITECTURE.md §5), for every
 * exporter family: from the token-embedding lookup, through its epilogue, along the chain of
 * residual links (plain `Add`s or Skip*LayerNormalization nodes) to the final norm. Node names are
 * never relied upon.
 *
 * - Embedding: a `Gather` / `GatherBlockQuantized` by `input_ids` of a table that is an initializer,
 *   possibly reached through Transpose / Reshape / Cast / DequantizeLinear (tied or quantized
 *   tables). Its epilogue — the ops that touch only the embedding before any block reads it: a scale
 *   `Mul`/`Div`, `Cast`, `DequantizeLinear`, the learned-position `Add` of GPT-2 — is part of row 0,
 *   as in Hugging Face's hidden_states[0].
 * - Residual link: a node that sums the stream with a branch computed from the stream. A branch that
 *   does not read the stream (a position embedding) is no link.
 * - Blocks: config.json's layer count L decides how links map to blocks: 2L links = two per block
 *   (attention, then MLP, sandwich norms included); L links = one per block (parallel residual:
 *   GPT-NeoX/Pythia, GPT-J, phi-2, Falcon). Block l's resid_post is the last link of block l.
 * - The chain must end at the final norm: at most two matrix multiplications (the head, maybe a
 *   projection before it) may lie between its end and `logits`; more means the walk stopped inside
 *   the network (a block has at least three), and the graph is refused.
 */
import { TensorType, indexGraph, intAttribute, typeName, type OnnxGraph, type OnnxNode } from './onnxModel';

export type ExportStyle = 'fused' | 'decomposed';

const SKIP_NORMS = new Set(['SkipSimplifiedLayerNormalization', 'SkipLayerNormalization']);
const EMBED_OPS = new Set(['Gather', 'GatherBlockQuantized']);
/** Ops between an initializer and the table an embedding lookup reads (tied, reshaped or quantized tables). */
const TABLE_OPS = new Set(['Transpose', 'Reshape', 'Cast', 'DequantizeLinear', 'Identity', 'Squeeze', 'Unsqueeze']);
/** Ops that may finish the embedding before the first block reads it, when their other inputs do not read the stream. */
const EMBED_EPILOGUE = new Set(['Mul', 'Div', 'Cast', 'DequantizeLinear', 'Add']);
/** Consumers that read only a tensor's shape, never its values. */
const SHAPE_ONLY = new Set(['Shape', 'Size']);
/**
 * Matrix multiplications allowed between the end of the chain and the logits: the head, and a
 * projection before it (OPT-350m's project_out). Any remaining block has at least three.
 */
const MAX_HEAD_MATMULS = 2;
/** Ops the stream may pass through between two links without changing its values. */
const PASS_THROUGH = new Set(['Cast', 'Identity']);
const MATMUL_OPS = new Set(['MatMul', 'Gemm', 'MatMulNBits', 'MatMulInteger', 'MatMulBnb4', 'FusedMatMul']);

/** One link of the chain: a node that adds a block's branch output into the residual stream. */
export interface ResidualLink {
  node: OnnxNode;
  /** Index (into node.inputs) of the incoming residual; the other summed input is the branch. */
  residualInput: number;
}

export interface ResidualPath {
  style: ExportStyle;
  /** Tensor holding the embedding output after its epilogue (row 0, hook `embed`). */
  embed: string;
  /** The initializer the embedding lookup reads (maybe through a Transpose or a dequantization). */
  embedTable: string;
  /** Hidden size read from the table's shape, when the path to it tells which axis it is. */
  tableHiddenSize?: number;
  /** Every residual link in stream order. */
  links: ResidualLink[];
  /** 1 (parallel residual) or 2 (attention, then MLP). */
  linksPerBlock: 1 | 2;
  /** The link whose output is blocks.{l}.resid_post, for l = 0..L−1. */
  blockEnds: ResidualLink[];
  numLayers: number;
  /** Element type of the residual stream (from value_info, else inferred from the ops that make it). */
  residualType: number;
}

export class InstrumentationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InstrumentationError';
  }
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

/** The initializer a lookup table comes from, and how many Transposes lie between them. */
function tableSource(tensor: string, producer: Map<string, OnnxNode>, initializers: Set<string>): { name: string; transposes: number } | null {
  let transposes = 0;
  for (let hops = 0; hops < 6; hops++) {
    if (initializers.has(tensor)) return { name: tensor, transposes };
    const p = producer.get(tensor);
    if (!p || !TABLE_OPS.has(p.opType)) return null;
    if (p.opType === 'Transpose') transposes++;
    tensor = p.inputs[0];
  }
  return null;
}

/** Tensors whose values depend on `source` (edges into shape-only ops are not followed). */
function dependents(source: string, consumers: Map<string, OnnxNode[]>): Set<string> {
  const seen = new Set([source]);
  const stack = [source];
  while (stack.length) {
    for (const n of consumers.get(stack.pop()!) ?? []) {
      if (SHAPE_ONLY.has(n.opType)) continue;
      for (const o of n.outputs)
        if (o && !seen.has(o)) {
          seen.add(o);
          stack.push(o);
        }
    }
  }
  return seen;
}

/** Matrix multiplications on paths from `from` to `to`. */
function matmulsBetween(from: string, to: string, graph: OnnxGraph, consumers: Map<string, OnnxNode[]>, producer: Map<string, OnnxNode>): OnnxNode[] {
  const after = dependents(from, consumers);
  const before = new Set<string>([to]);
  const stack = [to];
  while (stack.length) {
    const p = producer.get(stack.pop()!);
    if (!p) continue;
    for (const i of p.inputs)
      if (i && !before.has(i)) {
        before.add(i);
        stack.push(i);
      }
  }
  return graph.nodes.filter((n) => MATMUL_OPS.has(n.opType) && n.outputs.some((o) => after.has(o) && before.has(o)));
}

export function findResidualPath(graph: OnnxGraph, expectedLayers?: number): ResidualPath {
  const { producer, consumers } = indexGraph(graph);
  const initializers = new Set(graph.initializers.map((i) => i.name));
  const graphInputs = new Set(graph.inputs.map((i) => i.name));
  const dataConsumers = (t: string) => (consumers.get(t) ?? []).filter((n) => !SHAPE_ONLY.has(n.opType));

  if (!graphInputs.has('input_ids')) {
    const found = graph.inputs.map((i) => i.name).join(', ') || 'none';
    throw new InstrumentationError(
      `expected a decoder language model with an "input_ids" input; found inputs: ${found}. Pick a text-generation (decoder) ONNX export.`,
    );
  }
  let table: { name: string; transposes: number } | null = null;
  const gather = graph.nodes.find((n) => {
    if (!EMBED_OPS.has(n.opType) || !fromInputIds(n.inputs[1] ?? '', producer)) return false;
    table = tableSource(n.inputs[0], producer, initializers);
    return table !== null;
  });
  if (!gather || !table) {
    throw new InstrumentationError('expected an embedding lookup (Gather of a weight table by input_ids); found none. Is this a decoder language model?');
  }
  const source: { name: string; transposes: number } = table;

  // Epilogue: single-reader element-wise ops whose other operands do not read the token embedding.
  const tokenDependent = dependents(gather.outputs[0], consumers);
  let embed = gather.outputs[0];
  for (;;) {
    const next = dataConsumers(embed);
    if (next.length !== 1 || !EMBED_EPILOGUE.has(next[0].opType)) break;
    const n = next[0];
    if (n.opType === 'DequantizeLinear' && n.inputs[0] !== embed) break;
    if (n.inputs.some((t) => t && t !== embed && tokenDependent.has(t))) break;
    embed = n.outputs[0];
  }

  const stream = dependents(embed, consumers);
  const links: ResidualLink[] = [];
  let current = embed;
  let style: ExportStyle | null = null;
  let chainEnd = embed;
  for (;;) {
    // The stream may pass through Casts (torch traces Gemma's `x.float()` on an fp32 stream as a Cast
    // both the norm and the residual read; fp16 conversion may add a Cast back): up to three deep.
    const candidates = [current];
    let level = [current];
    for (let depth = 0; depth < 3; depth++) {
      level = level.flatMap((t) =>
        dataConsumers(t)
          .filter((n) => PASS_THROUGH.has(n.opType))
          .map((n) => n.outputs[0]),
      );
      candidates.push(...level);
    }
    let node: OnnxNode | undefined;
    let skip: OnnxNode | undefined;
    for (const t of candidates) {
      const users = consumers.get(t) ?? [];
      const branchOf = (n: OnnxNode) => (n.inputs[0] === t ? n.inputs[1] : n.inputs[0]);
      const isLink = (n: OnnxNode) => (n.inputs[0] === t || n.inputs[1] === t) && stream.has(branchOf(n));
      skip = users.find((n) => SKIP_NORMS.has(n.opType) && isLink(n));
      node = skip ?? users.find((n) => n.opType === 'Add' && n.inputs.length === 2 && n.inputs[0] !== n.inputs[1] && isLink(n));
      if (node) {
        current = t;
        break;
      }
    }
    if (!node) break;
    const linkStyle: ExportStyle = skip ? 'fused' : 'decomposed';
    if (style && style !== linkStyle) {
      throw new InstrumentationError(
        `the residual stream mixes export styles: ${style} links, then a ${linkStyle} link at node "${node.name}" (${node.opType}); this graph layout is not supported`,
      );
    }
    style = linkStyle;
    links.push({ node, residualInput: node.inputs[0] === current ? 0 : 1 });
    if (linkStyle === 'decomposed') current = chainEnd = node.outputs[0];
    else if (node.outputs[3]) current = chainEnd = node.outputs[3];
    else {
      chainEnd = node.outputs[0]; // the final norm: its residual sum is not materialised yet
      break;
    }
  }

  if (!style || links.length === 0) {
    const users = (consumers.get(embed) ?? []).map((n) => n.opType).join(', ') || 'nothing';
    throw new InstrumentationError(
      `expected a residual stream (a chain of Add or SkipSimplifiedLayerNormalization nodes) after the embedding "${embed}"; it feeds ${users}`,
    );
  }
  const last = links[links.length - 1].node;
  const logitsName = graph.outputs.find((o) => o.name === 'logits')?.name;
  if (logitsName) {
    const after = matmulsBetween(chainEnd, logitsName, graph, consumers, producer);
    if (after.length > MAX_HEAD_MATMULS) {
      throw new InstrumentationError(
        `the residual chain stops at node "${last.name}" (${last.opType}) after ${links.length} links, but ${after.length} matrix multiplications still follow before the logits (the first is "${after[0].name}"); this block layout is not supported`,
      );
    }
  }
  let linksPerBlock: 1 | 2;
  if (expectedLayers !== undefined && links.length === 2 * expectedLayers) linksPerBlock = 2;
  else if (expectedLayers !== undefined && links.length === expectedLayers) linksPerBlock = 1;
  else if (expectedLayers === undefined && links.length % 2 === 0) linksPerBlock = 2;
  else {
    const expected =
      expectedLayers !== undefined
        ? `${expectedLayers} (one per block, parallel residual) or 2 × ${expectedLayers} = ${2 * expectedLayers} (two per block) residual additions for the ${expectedLayers} decoder blocks config.json declares`
        : 'an even number of residual additions (two per block; without the layer count from config.json one per block cannot be told apart)';
    throw new InstrumentationError(`expected ${expected}, found ${links.length}; the chain ends at node "${last.name}" (${last.opType})`);
  }
  const numLayers = links.length / linksPerBlock;
  const blockEnds = Array.from({ length: numLayers }, (_, l) => links[(l + 1) * linksPerBlock - 1]);

  const residualType = elementType(embed, graph, producer);
  if (![TensorType.FLOAT, TensorType.FLOAT16, TensorType.BFLOAT16].includes(residualType as 1 | 10 | 16)) {
    throw new InstrumentationError(`expected a floating-point residual stream, found ${typeName(residualType)} at "${embed}"`);
  }
  const dims = graph.initializers.find((i) => i.name === source.name)?.dims ?? [];
  const tableHiddenSize = gather.opType === 'Gather' && dims.length === 2 ? dims[source.transposes % 2 === 0 ? 1 : 0] : undefined;
  return { style, embed, embedTable: source.name, tableHiddenSize, links, linksPerBlock, blockEnds, numLayers, residualType };
}

/** The element type of a tensor: declared in value_info, else inferred from the op that makes it. */
function elementType(tensor: string, graph: OnnxGraph, producer: Map<string, OnnxNode>): number {
  const declared = new Map<string, number>();
  for (const v of [...graph.valueInfo, ...graph.outputs, ...graph.inputs]) if (v.elemType) declared.set(v.name, v.elemType);
  const initTypes = new Map(graph.initializers.map((i) => [i.name, i.dataType]));
  const visit = (t: string, depth: number): number | undefined => {
    const known = declared.get(t) ?? initTypes.get(t);
    if (known !== undefined || depth > 12) return known;
    const p = producer.get(t);
    if (!p) return undefined;
    switch (p.opType) {
      case 'Cast':
        return intAttribute(p, 'to');
      case 'DequantizeLinear':
        return visit(p.inputs[1], depth + 1);
      case 'GatherBlockQuantized':
        return visit(p.inputs[2], depth + 1);
      default:
        return visit(p.inputs[0], depth + 1) ?? (p.inputs[1] ? visit(p.inputs[1], depth + 1) : undefined);
    }
  };
  return visit(tensor, 0) ?? TensorType.FLOAT;
}
