/**
 * Rewrites com.microsoft `GatherBlockQuantized` — the embedding lookup of int4 `shared_embeddings`
 * builds, which gathers rows of the lm_head's 4-bit weights — into standard ops. The WASM kernels of
 * onnxruntime-web's WebGPU bundle (the one the engine imports) have no implementation of it, so
 * such a model could not even create a session there. The rewrite dequantizes only the gathered
 * rows, exactly as the kernel does: value = (q − zero_point) × scale per block along the row, two
 * 4-bit values per byte, the first in the low nibble, zero point 8 when none is given.
 */
import { GraphBuilder } from './graphBuilder';
import { TensorType, indexGraph, intAttribute, type OnnxGraph, type OnnxNode } from './onnxModel';
import { InstrumentationError } from './residualPath';

/** The element type of an initializer reached through shape-only ops (Reshape, …). */
function sourceType(graph: OnnxGraph, tensor: string, producer: Map<string, OnnxNode>): number | undefined {
  for (let hops = 0; hops < 4; hops++) {
    const init = graph.initializers.find((i) => i.name === tensor);
    if (init) return init.dataType;
    const p = producer.get(tensor);
    if (!p || !['Reshape', 'Squeeze', 'Unsqueeze', 'Identity'].includes(p.opType)) return undefined;
    tensor = p.inputs[0];
  }
  return undefined;
}

/** Standard-op equivalent of one GatherBlockQuantized node, writing the node's own output. */
function expand(node: OnnxNode, b: GraphBuilder, hidden: number, graph: OnnxGraph, producer: Map<string, OnnxNode>): void {
  const bits = intAttribute(node, 'bits') ?? 4;
  const blockSize = intAttribute(node, 'block_size') ?? 128;
  const gatherAxis = intAttribute(node, 'gather_axis') ?? 0;
  const quantizeAxis = intAttribute(node, 'quantize_axis') ?? 1;
  const [data, indices, scales, zeroPoints] = node.inputs;
  const dataType = sourceType(graph, data, producer);
  if (bits !== 4 || gatherAxis !== 0 || quantizeAxis !== 1 || dataType !== TensorType.UINT8 || hidden % blockSize !== 0) {
    throw new InstrumentationError(
      `the embedding lookup "${node.name}" is a GatherBlockQuantized this lab cannot run (bits ${bits}, block ${blockSize}, gather axis ${gatherAxis}, quantize axis ${quantizeAxis}, data type ${dataType ?? 'unknown'}; supported: 4-bit uint8 rows gathered on axis 0, blocks along the row). Pick another variant of the model (q8, fp16 or fp32).`,
    );
  }
  const blocks = hidden / blockSize;
  const scaleType = sourceType(graph, scales, producer) ?? TensorType.FLOAT;
  const flatIds = b.reshape(indices, b.int64([-1]));
  const sixteen = b.float32([16], []);
  /** [N, K] packed bytes → [N, 2K] float values, low nibble first. */
  const unpack = (packed: string): string => {
    const bytes = b.cast(b.gather(packed, flatIds), TensorType.FLOAT);
    const high = b.unary('Floor', b.binary('Div', bytes, sixteen));
    const low = b.binary('Sub', bytes, b.binary('Mul', high, sixteen));
    return b.reshape(b.concat([b.unsqueeze(low, [2]), b.unsqueeze(high, [2])], 2), b.int64([0, -1]));
  };
  const q = b.reshape(unpack(data), b.int64([-1, blocks, blockSize]));
  let zero = b.float32([8], []);
  if (zeroPoints) {
    if (blocks % 2 !== 0)
      throw new InstrumentationError(
        `the embedding lookup "${node.name}" packs zero points for an odd number of blocks (${blocks}); this layout is not supported. Pick another variant of the model.`,
      );
    zero = b.unsqueeze(unpack(zeroPoints), [2]);
  }
  let scale = b.reshape(b.gather(scales, flatIds), b.int64([-1, blocks]));
  if (scaleType !== TensorType.FLOAT) scale = b.cast(scale, TensorType.FLOAT);
  const values = b.binary('Mul', b.binary('Sub', q, zero), b.unsqueeze(scale, [2]));
  const outShape = b.concat([b.unary('Shape', indices), b.int64([hidden])], 0);
  if (scaleType === TensorType.FLOAT) b.reshape(values, outShape, node.outputs[0]);
  else b.cast(b.reshape(values, outShape), scaleType, node.outputs[0]);
}

/** Replaces every GatherBlockQuantized node in place by its standard-op expansion. */
export function expandGatherBlockQuantized(graph: OnnxGraph, b: GraphBuilder, hidden: number): number {
  const { producer } = indexGraph(graph);
  let count = 0;
  const nodes: OnnxNode[] = [];
  for (const n of graph.nodes) {
    if (n.opType !== 'GatherBlockQuantized') {
      nodes.push(n);
      continue;
    }
    expand(n, b, hidden, graph, producer);
    nodes.push(...b.nodes.splice(0));
    count++;
  }
  graph.nodes = nodes;
  return count;
}
