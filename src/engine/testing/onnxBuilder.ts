/**
 * Writes small ONNX models from scratch with the project's protobuf writer, for tests (graphs the
 * instrumentation must refuse) and the benchmark (a large synthetic decoder-like graph).
 */
import { ProtoWriter } from '../onnx/protobuf';
import { encodeTensor, encodeValueInfo, TensorType, type Dim } from '../onnx/onnxModel';

export { TensorType };

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  /** Integer attributes only (axis, to, …). */
  ints?: Record<string, number>;
}

export interface TensorSpec {
  name: string;
  dataType: number;
  dims: number[];
  raw: Uint8Array;
}

export interface ValueSpec {
  name: string;
  elemType: number;
  dims: Dim[];
}

export interface GraphSpec {
  nodes: NodeSpec[];
  initializers: TensorSpec[];
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  opset?: number;
}

function encodeNode(n: NodeSpec): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.stringField(1, i);
  for (const o of n.outputs) w.stringField(2, o);
  w.stringField(3, n.name ?? `${n.op}_${n.outputs[0]}`).stringField(4, n.op);
  for (const [key, value] of Object.entries(n.ints ?? {})) {
    w.messageField(5, new ProtoWriter().stringField(1, key).varintField(3, value).varintField(20, 2));
  }
  if (n.domain) w.stringField(7, n.domain);
  return w;
}

/** Encodes a ModelProto (ir_version 8, one default-domain opset). Initializer bytes are held, not copied, until finish. */
export function buildOnnx(spec: GraphSpec): Uint8Array {
  const g = new ProtoWriter();
  for (const n of spec.nodes) g.messageField(1, encodeNode(n));
  g.stringField(2, 'test_graph');
  for (const t of spec.initializers) g.bytesField(5, encodeTensor(t.name, t.dataType, t.dims, t.raw));
  for (const v of spec.inputs) g.messageField(11, encodeValueInfo(v));
  for (const v of spec.outputs) g.messageField(12, encodeValueInfo(v));
  const opset = new ProtoWriter().stringField(1, '').varintField(2, spec.opset ?? 17);
  return new ProtoWriter().varintField(1, 8).stringField(2, 'persona-lab-tests').messageField(8, opset).messageField(7, g).finish();
}

export function float32Raw(values: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

/** A BERT-like encoder: `input_features` → MatMul → Add bias → `last_hidden_state`; no input_ids. */
export function encoderLikeOnnx(hidden = 4): Uint8Array {
  const n = hidden * hidden;
  return buildOnnx({
    inputs: [{ name: 'input_features', elemType: TensorType.FLOAT, dims: ['batch', 'frames', hidden] }],
    outputs: [{ name: 'last_hidden_state', elemType: TensorType.FLOAT, dims: ['batch', 'frames', hidden] }],
    initializers: [
      { name: 'proj.weight', dataType: TensorType.FLOAT, dims: [hidden, hidden], raw: float32Raw(Array.from({ length: n }, (_, i) => (i % 7) / 7)) },
      { name: 'proj.bias', dataType: TensorType.FLOAT, dims: [hidden], raw: float32Raw(new Array(hidden).fill(0.5)) },
    ],
    nodes: [
      { op: 'MatMul', inputs: ['input_features', 'proj.weight'], outputs: ['projected'] },
      { op: 'Add', inputs: ['projected', 'proj.bias'], outputs: ['last_hidden_state'] },
    ],
  });
}
