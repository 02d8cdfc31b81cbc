/**
 * Instruments a Hub ONNX decoder so one session can steer and read the residual stream
 * (docs/ARCHITECTURE.md §3, §5). Added inputs:
 *   steer            float32 [batch, L, hidden]    added to blocks.{l}.resid_post of each row
 *   steer_positions  float32 [batch, seq]          1 where this pass steers a position, else 0
 * Added outputs:
 *   the L+1 residual rows themselves, in the residual dtype [batch, seq, hidden], named in
 *   info.residOutputs: row 0 = embed, row l+1 = blocks.{l}.resid_post. They are tensors the pass
 *   computes anyway, so exposing them adds no work: onnxruntime-web computes every graph output on
 *   every run, fetched or not, and a stacked copy (Concat), its newest position or probe
 *   projections built in the graph would cost every decode step. forward.ts stacks and projects
 *   them on the host when asked.
 *   logits_last      float32 [batch, vocab]             logits of the newest position
 * Weights are never decoded or copied: large inline initializers are re-pointed at the original
 * model bytes, handed to ORT as an external-data file.
 */
import { TensorType, parseOnnx, typeName, pointInitializerAt, serializeOnnx, touch, type OnnxModel, type OnnxNode } from './onnxModel';
import { GraphBuilder } from './graphBuilder';
import { expandGatherBlockQuantized } from './gatherBlockQuantized';
import { InstrumentationError, findResidualPath, type ExportStyle, type ResidualPath } from './residualPath';
import { hookPoints, type HookName } from '../hooks';
import { paddingSideOf, type PaddingSide } from './paddingSide';
import { rowCouplingOf } from './batchCoupling';

/** Prefix of the external-data paths under which views of the original model's weight bytes are handed to ORT. */
export const ORIGINAL_WEIGHTS_PATH = 'persona_lab_original_model.bin';

export const STEER_INPUT = 'steer';
export const STEER_POSITIONS_INPUT = 'steer_positions';
export const LOGITS_LAST_OUTPUT = 'logits_last';

export interface InstrumentOptions {
  /** Number of decoder blocks config.json declares; the residual chain must match it. */
  numLayers?: number;
  /** Inline initializers of at least this many bytes are read from the original buffer. */
  externalizeAbove?: number;
}

export interface InstrumentationInfo {
  style: ExportStyle;
  numLayers: number;
  hiddenSize: number;
  /** 'float32' | 'float16' | 'bfloat16' */
  residualDtype: string;
  hookPoints: HookName[];
  /** The KV-cache inputs (`past_key_values.*`) with their element type and dims. */
  pastInputs: { name: string; dtype: string; dims: (number | string | null)[] }[];
  /** Element type of the logits output. */
  logitsDtype: string;
  /** External-data files the original graph names (beside the .onnx file). */
  externalFiles: string[];
  /** The largest weight tensor, which must fit in one GPU buffer on WebGPU. */
  largestTensor: { name: string; bytes: number };
  /** The side batches are padded on (right where attention reads row lengths from the mask). */
  padding: PaddingSide;
  /** An op that makes a row's result depend on the other rows of its batch (then rows run one per pass); null if none. */
  rowCoupling: string | null;
  /** The graph outputs that hold the residual rows 0..L ([batch, seq, hidden], residual dtype). */
  residOutputs: string[];
}

export interface InstrumentedModel {
  model: Uint8Array;
  /** Files ORT must be given besides the model's own external data (views of the original weight bytes, if any). */
  externalData: { path: string; data: Uint8Array }[];
  info: InstrumentationInfo;
}

function hiddenSizeOf(model: OnnxModel, path: ResidualPath): number {
  const fromInfo = model.graph.valueInfo.find((v) => v.name === path.embed)?.dims;
  const last = fromInfo?.[fromInfo.length - 1];
  const h = path.tableHiddenSize ?? (typeof last === 'number' ? last : undefined);
  if (!h) throw new InstrumentationError(`cannot tell the hidden size from the embedding table "${path.embedTable}"; pass it from config.json`);
  return h;
}

export function instrumentModel(bytes: Uint8Array, options: InstrumentOptions & { hiddenSize?: number } = {}): InstrumentedModel {
  const model = parseOnnx(bytes);
  const { graph } = model;
  for (const name of [STEER_INPUT, STEER_POSITIONS_INPUT]) {
    if (graph.inputs.some((i) => i.name === name)) {
      throw new InstrumentationError(`the model already has an input named "${name}": it looks instrumented already; load the original export`);
    }
  }
  const path = findResidualPath(graph, options.numLayers);
  const L = path.numLayers;
  const hidden = options.hiddenSize ?? hiddenSizeOf(model, path);
  const b = new GraphBuilder(graph, model.opsets.get('') ?? 1);
  expandGatherBlockQuantized(graph, b, hidden);
  const needsCast = path.residualType !== TensorType.FLOAT;

  // steer_all[b, L, s, h] = steer[b, L, 1, h] * steer_positions[b, 1, s, 1], in the residual dtype.
  const positions = b.unsqueeze(STEER_POSITIONS_INPUT, [1, 3]);
  const steerAll32 = b.binary('Mul', b.unsqueeze(STEER_INPUT, [2]), positions);
  const steerAll = needsCast ? b.cast(steerAll32, path.residualType) : steerAll32;
  const prologue = b.nodes.splice(0);

  // Per block: add steer_all[:, l] to blocks.{l}.resid_post; remember the tensor that holds it.
  const rows: string[] = [path.embed];
  const insertAfter = new Map<OnnxNode, OnnxNode[]>();
  const insertBefore = new Map<OnnxNode, OnnxNode[]>();
  for (let l = 0; l < L; l++) {
    const link = path.blockEnds[l];
    const node = touch(link.node);
    const steerL = b.take(steerAll, l, 1);
    if (path.style === 'decomposed') {
      const out = node.outputs[0];
      node.outputs[0] = b.name(`block${l}_unsteered`);
      b.binary('Add', node.outputs[0], steerL, out);
      rows.push(out);
      insertAfter.set(node, b.nodes.splice(0));
    } else {
      const branch = 1 - link.residualInput;
      node.inputs[branch] = b.binary('Add', node.inputs[branch], steerL);
      if (!node.outputs[3]) {
        while (node.outputs.length < 3) node.outputs.push('');
        node.outputs[3] = b.name(`block${l}_resid_post`);
      }
      rows.push(node.outputs[3]);
      insertBefore.set(node, b.nodes.splice(0));
    }
  }

  const logits = graph.outputs.find((o) => o.name === 'logits');
  if (!logits) throw new InstrumentationError(`expected a "logits" output; found ${graph.outputs.map((o) => o.name).join(', ')}`);
  if (logits.elemType !== TensorType.FLOAT) b.cast(b.take('logits', -1, 1), TensorType.FLOAT, LOGITS_LAST_OUTPUT);
  else b.take('logits', -1, 1, LOGITS_LAST_OUTPUT);
  const epilogue = b.nodes.splice(0);

  const nodes: OnnxNode[] = [...prologue];
  for (const n of graph.nodes) {
    nodes.push(...(insertBefore.get(n) ?? []), n, ...(insertAfter.get(n) ?? []));
  }
  nodes.push(...epilogue);
  graph.nodes = nodes;

  const F = TensorType.FLOAT;
  graph.inputs.push(
    { name: STEER_INPUT, elemType: F, dims: ['batch_size', L, hidden] },
    { name: STEER_POSITIONS_INPUT, elemType: F, dims: ['batch_size', 'sequence_length'] },
  );
  const residOutputs = rows.filter((r) => !graph.outputs.some((o) => o.name === r));
  graph.outputs.push(...residOutputs.map((name) => ({ name, elemType: path.residualType, dims: ['batch_size', 'sequence_length', hidden] })), {
    name: LOGITS_LAST_OUTPUT,
    elemType: F,
    dims: ['batch_size', logits.dims?.[2] ?? 'vocab_size'],
  });

  const pastInputs = graph.inputs
    .filter((i) => i.name.startsWith('past_key_values'))
    .map((i) => ({ name: i.name, dtype: typeName(i.elemType), dims: i.dims ?? [] }));
  const externalFiles = [...new Set(graph.initializers.flatMap((i) => (i.external ? [i.external.location] : [])))];

  const largestTensor = { name: '', bytes: 0 };
  for (const init of graph.initializers) {
    const bytes = init.rawData ? init.rawData.end - init.rawData.start : (init.external?.length ?? 0);
    if (bytes > largestTensor.bytes) Object.assign(largestTensor, { name: init.name, bytes });
  }

  // One external "file" per weight, a view of the original bytes at offset 0: onnxruntime-web places
  // each file in its own allocation, so every weight starts aligned (in one file at its original
  // offset, a weight may start at any byte, and MatMuls over such weights ran ~20 % slower).
  const threshold = options.externalizeAbove ?? 1024;
  const externalData: { path: string; data: Uint8Array }[] = [];
  for (const init of graph.initializers) {
    if (init.rawData && init.field && init.rawData.end - init.rawData.start >= threshold) {
      const path = `${ORIGINAL_WEIGHTS_PATH}.${externalData.length}`;
      pointInitializerAt(model, init, path, 0);
      externalData.push({ path, data: bytes.subarray(init.rawData.start, init.rawData.end) });
    }
  }

  return {
    model: serializeOnnx(model),
    externalData,
    info: {
      style: path.style,
      numLayers: L,
      hiddenSize: hidden,
      residualDtype: typeName(path.residualType),
      hookPoints: hookPoints(L),
      pastInputs,
      logitsDtype: typeName(logits.elemType),
      externalFiles,
      largestTensor,
      padding: paddingSideOf(graph),
      rowCoupling: rowCouplingOf(graph),
      residOutputs: rows,
    },
  };
}
