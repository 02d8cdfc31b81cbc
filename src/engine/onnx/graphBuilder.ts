/**
 * Builds the small nodes and constants the instrumentation appends to a graph, respecting the
 * model's opset (e.g. Unsqueeze takes `axes` as an attribute before opset 13, an input after).
 */
import { ProtoWriter } from './protobuf';
import { TensorType, encodeTensor, type OnnxGraph, type OnnxNode } from './onnxModel';

const ATTR_INT = 2;
const ATTR_INTS = 7;

function intAttr(name: string, value: number): Uint8Array {
  return new ProtoWriter().stringField(1, name).varintField(3, value).varintField(20, ATTR_INT).finish();
}

function intsAttr(name: string, values: number[]): Uint8Array {
  const w = new ProtoWriter().stringField(1, name);
  for (const v of values) w.varintField(8, v);
  return w.varintField(20, ATTR_INTS).finish();
}

export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  private counter = 0;

  constructor(
    private readonly graph: OnnxGraph,
    private readonly opset: number,
    private readonly prefix = '/persona_lab',
  ) {}

  /** A fresh tensor name under the instrumentation prefix. */
  name(hint: string): string {
    return `${this.prefix}/${hint}_${this.counter++}`;
  }

  node(opType: string, inputs: string[], outputs: string[], attributes: Uint8Array[] = []): OnnxNode {
    const node: OnnxNode = { name: `${this.prefix}/${opType}_${this.counter++}`, opType, domain: '', inputs, outputs, attributes };
    this.nodes.push(node);
    return node;
  }

  /** Adds an int64 constant initializer and returns its name. */
  int64(values: number[], dims: number[] = [values.length]): string {
    const name = this.name('const');
    const raw = new Uint8Array(values.length * 8);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
    this.graph.initializers.push({ name, dataType: TensorType.INT64, dims, replacement: encodeTensor(name, TensorType.INT64, dims, raw) });
    return name;
  }

  /** Adds a float32 constant initializer and returns its name. */
  float32(values: number[], dims: number[] = [values.length]): string {
    const name = this.name('const');
    const raw = new Uint8Array(new Float32Array(values).buffer);
    this.graph.initializers.push({ name, dataType: TensorType.FLOAT, dims, replacement: encodeTensor(name, TensorType.FLOAT, dims, raw) });
    return name;
  }

  unsqueeze(input: string, axes: number[], output = this.name('unsqueeze')): string {
    if (this.opset >= 13) this.node('Unsqueeze', [input, this.int64(axes)], [output]);
    else this.node('Unsqueeze', [input], [output], [intsAttr('axes', axes)]);
    return output;
  }

  /** Gathers one index along `axis`, dropping that axis. */
  take(input: string, index: number, axis: number, output = this.name('take')): string {
    this.node('Gather', [input, this.int64([index], [])], [output], [intAttr('axis', axis)]);
    return output;
  }

  /** Gathers rows of `data` at the (tensor) `indices` along `axis`. */
  gather(data: string, indices: string, axis = 0, output = this.name('gather')): string {
    this.node('Gather', [data, indices], [output], [intAttr('axis', axis)]);
    return output;
  }

  reshape(input: string, shape: string, output = this.name('reshape')): string {
    this.node('Reshape', [input, shape], [output]);
    return output;
  }

  unary(opType: 'Floor' | 'Shape', input: string, output = this.name(opType.toLowerCase())): string {
    this.node(opType, [input], [output]);
    return output;
  }

  cast(input: string, to: number, output = this.name('cast')): string {
    this.node('Cast', [input], [output], [intAttr('to', to)]);
    return output;
  }

  concat(inputs: string[], axis: number, output = this.name('concat')): string {
    this.node('Concat', inputs, [output], [intAttr('axis', axis)]);
    return output;
  }

  transpose(input: string, perm: number[], output = this.name('transpose')): string {
    this.node('Transpose', [input], [output], [intsAttr('perm', perm)]);
    return output;
  }

  binary(opType: 'Add' | 'Sub' | 'Mul' | 'Div' | 'MatMul', a: string, b: string, output = this.name(opType.toLowerCase())): string {
    this.node(opType, [a, b], [output]);
    return output;
  }
}
