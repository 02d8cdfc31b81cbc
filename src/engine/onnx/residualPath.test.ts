/**
 * Where findResidualPath puts the block boundaries on the conformance replicas and the builder's
 * graphs, and that a graph which does not resolve is refused with what was expected and found.
 * (The numbers behind these boundaries are checked against torch in src/engine/conformance.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { indexGraph, parseOnnx, touch, type OnnxGraph } from './onnxModel';
import { InstrumentationError, findResidualPath } from './residualPath';
import { CONFORMANCE_DIR } from '../testing/conformanceCases';
import { FUSED_FIXTURE_DIR } from '../testing/paths';
import { buildOnnx, float32Raw, TensorType } from '../testing/onnxBuilder';

const graphOf = (folder: string, variant = 'model'): OnnxGraph =>
  parseOnnx(new Uint8Array(readFileSync(resolve(CONFORMANCE_DIR, folder, 'onnx', `${variant}.onnx`)))).graph;

describe('findResidualPath by block boundaries', () => {
  it('takes two links per block for sequential blocks and one for parallel residual, from the layer count', () => {
    expect(findResidualPath(graphOf('llama'), 2)).toMatchObject({ style: 'decomposed', linksPerBlock: 2, numLayers: 2 });
    const neox = findResidualPath(graphOf('gpt_neox'), 2);
    expect(neox).toMatchObject({ linksPerBlock: 1, numLayers: 2 });
    // Each parallel link sums the stream with (attention + MLP): the branch is itself an Add of two computed tensors.
    const { producer } = indexGraph(graphOf('gpt_neox'));
    for (const link of neox.blockEnds) expect(producer.get(link.node.inputs[1 - link.residualInput])?.opType).toBe('Add');
  });

  it('ends row 0 after the embedding epilogue: GPT-2’s position Add, Gemma’s scale, q8’s DequantizeLinear', () => {
    const opOf = (g: OnnxGraph, t: string) => indexGraph(g).producer.get(t)?.opType;
    const gpt2 = graphOf('gpt2');
    expect(opOf(gpt2, findResidualPath(gpt2, 2).embed)).toBe('Add');
    const q8 = graphOf('llama', 'model_quantized');
    const path = findResidualPath(q8, 2);
    expect(opOf(q8, path.embed)).toBe('DequantizeLinear');
    expect(path.residualType).toBe(1);
    expect(path.tableHiddenSize).toBe(32);
    const gemma = graphOf('gemma3', 'model_quantized');
    const g = findResidualPath(gemma, 2);
    // Gather → DequantizeLinear → Mul(√hidden) → Cast (the traced `x.float()`).
    expect(['Mul', 'Cast']).toContain(opOf(gemma, g.embed));
    expect(g.linksPerBlock).toBe(2);
  });

  it('refuses a layer count that fits neither one nor two links per block, naming both', () => {
    expect(() => findResidualPath(graphOf('llama'), 3)).toThrow(InstrumentationError);
    expect(() => findResidualPath(graphOf('llama'), 3)).toThrow(/3 \(one per block, parallel residual\) or 2 × 3 = 6 .*found 4/);
  });

  it('refuses a chain that stops inside the network instead of at the final norm', () => {
    const graph = graphOf('llama');
    // Turn block 1's attention link into an op the walk does not follow: the chain then stops after 2 links.
    const link = findResidualPath(graph, 2).links[2].node;
    touch(link).opType = 'Sub';
    expect(() => findResidualPath(graph, 1)).toThrow(/matrix multiplications still follow before the logits/);
  });

  it('finds the builder’s fused chain, the final norm closing the last block', () => {
    const graph = parseOnnx(new Uint8Array(readFileSync(resolve(FUSED_FIXTURE_DIR, 'onnx/model.onnx')))).graph;
    const path = findResidualPath(graph, 2);
    expect(path).toMatchObject({ style: 'fused', linksPerBlock: 2, numLayers: 2 });
    expect(path.blockEnds[1].node.outputs[3] ?? '').toBe('');
  });
});

describe('findResidualPath on hand-built graphs', () => {
  it('follows the stream through a chain of Casts between links (an fp16 conversion of a traced fp32 graph)', () => {
    const w = { dataType: TensorType.FLOAT, dims: [2, 2], raw: float32Raw([1, 0, 0, 1]) };
    const bytes = buildOnnx({
      inputs: [{ name: 'input_ids', elemType: TensorType.INT64, dims: ['batch', 'seq'] }],
      outputs: [{ name: 'logits', elemType: TensorType.FLOAT, dims: ['batch', 'seq', 2] }],
      initializers: [
        { name: 'table', ...w },
        { name: 'w0', ...w },
        { name: 'w1', ...w },
        { name: 'head', ...w },
      ],
      nodes: [
        { op: 'Gather', inputs: ['table', 'input_ids'], outputs: ['x0'] },
        { op: 'MatMul', inputs: ['x0', 'w0'], outputs: ['attn'] },
        { op: 'Add', inputs: ['x0', 'attn'], outputs: ['x1'] },
        { op: 'Cast', inputs: ['x1'], outputs: ['x1_f32'], ints: { to: TensorType.FLOAT } },
        { op: 'Cast', inputs: ['x1_f32'], outputs: ['x1_back'], ints: { to: TensorType.FLOAT } },
        { op: 'MatMul', inputs: ['x1_f32', 'w1'], outputs: ['mlp'] },
        { op: 'Add', inputs: ['x1_back', 'mlp'], outputs: ['x2'] },
        { op: 'MatMul', inputs: ['x2', 'head'], outputs: ['logits'] },
      ],
    });
    const path = findResidualPath(parseOnnx(bytes).graph, 1);
    expect(path.links.map((l) => l.node.outputs[0])).toEqual(['x1', 'x2']);
    expect(path.blockEnds[0].node.outputs[0]).toBe('x2');
  });

  it('keeps the clear error when the embedding feeds no residual chain', () => {
    const bytes = buildOnnx({
      inputs: [{ name: 'input_ids', elemType: TensorType.INT64, dims: ['batch', 'seq'] }],
      outputs: [{ name: 'logits', elemType: TensorType.FLOAT, dims: ['batch', 'seq', 4] }],
      initializers: [
        { name: 'table', dataType: TensorType.FLOAT, dims: [4, 2], raw: float32Raw([1, 2, 3, 4, 5, 6, 7, 8]) },
        { name: 'head', dataType: TensorType.FLOAT, dims: [2, 4], raw: float32Raw([1, 2, 3, 4, 5, 6, 7, 8]) },
      ],
      nodes: [
        { op: 'Gather', inputs: ['table', 'input_ids'], outputs: ['embeds'] },
        { op: 'MatMul', inputs: ['embeds', 'head'], outputs: ['logits'] },
      ],
    });
    expect(() => findResidualPath(parseOnnx(bytes).graph, 1)).toThrow(
      /expected a residual stream \(a chain of Add or SkipSimplifiedLayerNormalization nodes\) after the embedding "embeds"; it feeds MatMul/,
    );
  });
});
