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
  /** Where the bytes are instead, in an external-data file beside the model (then `raw` is ignored). */
  external?: { location: string; offset: number; length: number };
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
  /** Opsets of other domains the nodes use (com.microsoft, …). */
  domains?: Record<string, number>;
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
  for (const t of spec.initializers) g.bytesField(5, t.external ? encodeExternalTensor(t, t.external) : encodeTensor(t.name, t.dataType, t.dims, t.raw));
  for (const v of spec.inputs) g.messageField(11, encodeValueInfo(v));
  for (const v of spec.outputs) g.messageField(12, encodeValueInfo(v));
  const opset = new ProtoWriter().stringField(1, '').varintField(2, spec.opset ?? 17);
  const model = new ProtoWriter().varintField(1, 8).stringField(2, 'persona-lab-tests').messageField(8, opset);
  for (const [domain, version] of Object.entries(spec.domains ?? {})) model.messageField(8, new ProtoWriter().stringField(1, domain).varintField(2, version));
  return model.messageField(7, g).finish();
}

function encodeExternalTensor(t: TensorSpec, at: { location: string; offset: number; length: number }): Uint8Array {
  const w = new ProtoWriter();
  for (const d of t.dims) w.varintField(1, d);
  w.varintField(2, t.dataType).stringField(8, t.name);
  const entry = (key: string, value: string) => new ProtoWriter().stringField(1, key).stringField(2, value);
  w.messageField(13, entry('location', at.location))
    .messageField(13, entry('offset', String(at.offset)))
    .messageField(13, entry('length', String(at.length)));
  return w.varintField(14, 1).finish();
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
