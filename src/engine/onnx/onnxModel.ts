/**
 * An editable view of an ONNX ModelProto that never copies weights.
 *
 * Parsing records byte ranges; only nodes, graph inputs/outputs and value_info are decoded
 * (they are small). Serialising copies every untouched field verbatim and re-encodes only what
 * an edit changed or added. Field numbers follow onnx.proto.
 */
import { fields, readInt64s, readString, readVarintField, ProtoWriter, ProtobufError, type FieldRange } from './protobuf';

export const TensorType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  BFLOAT16: 16,
} as const;

const TYPE_NAMES: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  16: 'bfloat16',
};

export function typeName(elemType: number): string {
  return TYPE_NAMES[elemType] ?? `type#${elemType}`;
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  /** Encoded AttributeProto messages (payloads, without the field tag). */
  attributes: Uint8Array[];
  /** Original encoding of the whole field; dropped as soon as the node is edited. */
  raw?: Uint8Array;
}

export type Dim = number | string | null;

export interface ValueInfo {
  name: string;
  elemType: number;
  dims: Dim[] | null;
  raw?: Uint8Array;
}

export interface Initializer {
  name: string;
  dataType: number;
  dims: number[];
  /** Absolute byte range of raw_data inside the model buffer, when stored inline. */
  rawData?: { start: number; end: number };
  /** External data reference, when the weights live in another file. */
  external?: { location: string; offset: number; length: number | null };
  /** Where the TensorProto lies in the model buffer (absent for tensors the editor adds). */
  field?: FieldRange;
  /** Encoding to emit instead of the original (set when moved to external data, or new). */
  replacement?: Uint8Array;
}

export interface OnnxGraph {
  nodes: OnnxNode[];
  initializers: Initializer[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  valueInfo: ValueInfo[];
  /** Fields of GraphProto this editor leaves alone (name, doc_string, sparse_initializer, …). */
  otherFields: Uint8Array[];
}

export interface OnnxModel {
  bytes: Uint8Array;
  /** Top-level ModelProto fields in order; the graph (field 7) is re-encoded on save. */
  modelFields: FieldRange[];
  graph: OnnxGraph;
  /** Operator set versions by domain ('' = the default ONNX domain). */
  opsets: Map<string, number>;
}

export class OnnxFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxFormatError';
  }
}

function parseNode(buf: Uint8Array, f: FieldRange): OnnxNode {
  const node: OnnxNode = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: [], raw: buf.subarray(f.start, f.end) };
  for (const g of fields(buf, f.dataStart, f.dataEnd)) {
    if (g.field === 1) node.inputs.push(readString(buf, g));
    else if (g.field === 2) node.outputs.push(readString(buf, g));
    else if (g.field === 3) node.name = readString(buf, g);
    else if (g.field === 4) node.opType = readString(buf, g);
    else if (g.field === 7) node.domain = readString(buf, g);
    else if (g.field === 5) node.attributes.push(buf.subarray(g.dataStart, g.dataEnd));
  }
  return node;
}

function parseValueInfo(buf: Uint8Array, f: FieldRange): ValueInfo {
  const info: ValueInfo = { name: '', elemType: 0, dims: null, raw: buf.subarray(f.start, f.end) };
  for (const g of fields(buf, f.dataStart, f.dataEnd)) {
    if (g.field === 1) info.name = readString(buf, g);
    if (g.field !== 2) continue;
    for (const t of fields(buf, g.dataStart, g.dataEnd)) {
      if (t.field !== 1) continue; // tensor_type
      for (const tt of fields(buf, t.dataStart, t.dataEnd)) {
        if (tt.field === 1) info.elemType = readVarintField(buf, tt);
        if (tt.field !== 2) continue;
        info.dims = [];
        for (const d of fields(buf, tt.dataStart, tt.dataEnd)) {
          if (d.field !== 1) continue;
          let dim: Dim = null;
          for (const dv of fields(buf, d.dataStart, d.dataEnd)) {
            if (dv.field === 1) dim = readVarintField(buf, dv);
            if (dv.field === 2) dim = readString(buf, dv);
          }
          info.dims.push(dim);
        }
      }
    }
  }
  return info;
}

function parseInitializer(buf: Uint8Array, f: FieldRange): Initializer {
  const init: Initializer = { name: '', dataType: 0, dims: [], field: f };
  let location: string | null = null;
  let offset = 0;
  let length: number | null = null;
  for (const g of fields(buf, f.dataStart, f.dataEnd)) {
    if (g.field === 1) readInt64s(buf, g, init.dims);
    else if (g.field === 2) init.dataType = readVarintField(buf, g);
    else if (g.field === 8) init.name = readString(buf, g);
    else if (g.field === 9) init.rawData = { start: g.dataStart, end: g.dataEnd };
    else if (g.field === 13) {
      let key = '';
      let value = '';
      for (const kv of fields(buf, g.dataStart, g.dataEnd)) {
        if (kv.field === 1) key = readString(buf, kv);
        if (kv.field === 2) value = readString(buf, kv);
      }
      if (key === 'location') location = value;
      if (key === 'offset') offset = Number(value);
      if (key === 'length') length = Number(value);
    }
  }
  if (location !== null) init.external = { location, offset, length };
  return init;
}

/** Parses a ModelProto. Throws OnnxFormatError when the bytes are not an ONNX model. */
export function parseOnnx(bytes: Uint8Array): OnnxModel {
  const modelFields: FieldRange[] = [];
  const opsets = new Map<string, number>();
  let graphField: FieldRange | undefined;
  try {
    for (const f of fields(bytes)) {
      modelFields.push(f);
      if (f.field === 7 && f.wire === 2) graphField = f;
      if (f.field === 8 && f.wire === 2) {
        let domain = '';
        let version = 0;
        for (const g of fields(bytes, f.dataStart, f.dataEnd)) {
          if (g.field === 1) domain = readString(bytes, g);
          if (g.field === 2) version = readVarintField(bytes, g);
        }
        opsets.set(domain === 'ai.onnx' ? '' : domain, version);
      }
    }
  } catch (e) {
    if (e instanceof ProtobufError) {
      throw new OnnxFormatError(`not a readable ONNX model (${e.message}); the file may be truncated or corrupted — download it again`);
    }
    throw e;
  }
  if (!graphField) {
    throw new OnnxFormatError('not an ONNX model: the file has no graph (ModelProto field 7); check that you picked the .onnx file');
  }
  const graph: OnnxGraph = { nodes: [], initializers: [], inputs: [], outputs: [], valueInfo: [], otherFields: [] };
  try {
    for (const f of fields(bytes, graphField.dataStart, graphField.dataEnd)) {
      switch (f.field) {
        case 1:
          graph.nodes.push(parseNode(bytes, f));
          break;
        case 5:
          graph.initializers.push(parseInitializer(bytes, f));
          break;
        case 11:
          graph.inputs.push(parseValueInfo(bytes, f));
          break;
        case 12:
          graph.outputs.push(parseValueInfo(bytes, f));
          break;
        case 13:
          graph.valueInfo.push(parseValueInfo(bytes, f));
          break;
        default:
          graph.otherFields.push(bytes.subarray(f.start, f.end));
      }
    }
  } catch (e) {
    if (e instanceof ProtobufError) {
      throw new OnnxFormatError(`the ONNX graph is corrupted (${e.message}); download the model again`);
    }
    throw e;
  }
  if (!opsets.has('')) opsets.set('', 1);
  return { bytes, modelFields, graph, opsets };
}

function encodeNode(node: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of node.inputs) w.stringField(1, i);
  for (const o of node.outputs) w.stringField(2, o);
  if (node.name) w.stringField(3, node.name);
  w.stringField(4, node.opType);
  for (const a of node.attributes) w.bytesField(5, a);
  if (node.domain) w.stringField(7, node.domain);
  return w;
}

/** Encodes a ValueInfoProto for a tensor. */
export function encodeValueInfo(info: ValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of info.dims ?? []) {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.varintField(1, d);
    else if (typeof d === 'string') dim.stringField(2, d);
    shape.messageField(1, dim);
  }
  const tensor = new ProtoWriter().varintField(1, info.elemType);
  if (info.dims) tensor.messageField(2, shape);
  const type = new ProtoWriter().messageField(1, tensor);
  return new ProtoWriter().stringField(1, info.name).messageField(2, type);
}

function writeValueInfos(w: ProtoWriter, field: number, infos: ValueInfo[]): void {
  for (const v of infos) {
    if (v.raw) w.raw(v.raw);
    else w.messageField(field, encodeValueInfo(v));
  }
}

/** Serialises the model; the result shares no memory with the input but copies only what it must. */
export function serializeOnnx(model: OnnxModel): Uint8Array {
  const { bytes, graph } = model;
  const g = new ProtoWriter();
  for (const raw of graph.otherFields) g.raw(raw);
  for (const n of graph.nodes) {
    if (n.raw) g.raw(n.raw);
    else g.messageField(1, encodeNode(n));
  }
  for (const init of graph.initializers) {
    if (init.replacement) g.bytesField(5, init.replacement);
    else if (init.field) g.raw(bytes.subarray(init.field.start, init.field.end));
  }
  writeValueInfos(g, 11, graph.inputs);
  writeValueInfos(g, 12, graph.outputs);
  writeValueInfos(g, 13, graph.valueInfo);
  const m = new ProtoWriter();
  for (const f of model.modelFields) {
    if (f.field === 7) m.messageField(7, g);
    else m.raw(bytes.subarray(f.start, f.end));
  }
  return m.finish();
}

/** Reads an int attribute of a node (e.g. Cast's `to`); undefined when the node does not set it. */
export function intAttribute(node: OnnxNode, name: string): number | undefined {
  for (const a of node.attributes) {
    let key = '';
    let value: number | undefined;
    for (const f of fields(a)) {
      if (f.field === 1) key = readString(a, f);
      if (f.field === 3) value = readVarintField(a, f);
    }
    if (key === name) return value;
  }
  return undefined;
}

/** Marks a node as edited so it is re-encoded on save. */
export function touch(node: OnnxNode): OnnxNode {
  delete node.raw;
  return node;
}

/** Encodes a new TensorProto with inline raw data (small constants the instrumentation adds). */
export function encodeTensor(name: string, dataType: number, dims: number[], raw: Uint8Array): Uint8Array {
  const w = new ProtoWriter();
  for (const d of dims) w.varintField(1, d);
  w.varintField(2, dataType).stringField(8, name).bytesField(9, raw);
  return w.finish();
}

/**
 * Re-encodes an inline initializer so that its weights are read from an external file, where its
 * raw bytes start at `offset` (default: where they sit in this model's bytes): metadata is
 * rewritten, the weight bytes are neither decoded nor copied.
 */
export function pointInitializerAt(model: OnnxModel, init: Initializer, location: string, offset = init.rawData?.start ?? 0): void {
  if (!init.rawData || !init.field) throw new Error(`initializer ${init.name} has no inline raw data`);
  const { bytes } = model;
  const w = new ProtoWriter();
  for (const f of fields(bytes, init.field.dataStart, init.field.dataEnd)) {
    if (f.field === 9 || f.field === 13 || f.field === 14) continue;
    w.raw(bytes.subarray(f.start, f.end));
  }
  const entry = (key: string, value: string) => new ProtoWriter().stringField(1, key).stringField(2, value);
  w.messageField(13, entry('location', location));
  w.messageField(13, entry('offset', String(offset)));
  w.messageField(13, entry('length', String(init.rawData.end - init.rawData.start)));
  w.varintField(14, 1);
  init.replacement = w.finish();
}

/** Builds name → producing node and name → consuming nodes indexes. */
export function indexGraph(graph: OnnxGraph): { producer: Map<string, OnnxNode>; consumers: Map<string, OnnxNode[]> } {
  const producer = new Map<string, OnnxNode>();
  const consumers = new Map<string, OnnxNode[]>();
  for (const n of graph.nodes) {
    for (const o of n.outputs) if (o) producer.set(o, n);
    for (const i of n.inputs) {
      if (!i) continue;
      const list = consumers.get(i);
      if (list) list.push(n);
      else consumers.set(i, [n]);
    }
  }
  return { producer, consumers };
}
