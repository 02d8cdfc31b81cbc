/**
 * What a pass feeds follows the graph's declarations, checked with real ORT sessions on small
 * graphs built here whose outputs are computed from the inputs in question:
 * - a hybrid decoder declaring num_logits_to_keep, use_cache_branch, a conv cache past_conv.0
 *   ([batch, 4, 3]) and key/value caches on layer 1 only, with a symbolic head dim, and no
 *   position_ids: the values that reach the graph come back in its outputs;
 * - a graph with an input nothing here can fill, and one whose cache has no present output: refused
 *   by name;
 * - the GQA fixture with its head dim made symbolic ('head_size'): the empty cache takes the size
 *   from config.json and generation equals the unmodified fixture's.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheHintsFromConfig, emptyShape, pastNameOf } from './caches';
import { EngineError } from './errors';
import { forward, KvCache, type ForwardModel } from './forward';
import { positionsFromMask, positionStart } from './feeds';
import { generate } from './generate';
import type { InstrumentationInfo } from './onnx/instrument';
import { parseOnnx, serializeOnnx } from './onnx/onnxModel';
import { QueuedSession, configureRuntime } from './ort';
import { buildOnnx, float32Raw, TensorType, type GraphSpec } from './testing/onnxBuilder';
import { loadLocalEngine } from './testing/models';
import { GQA_FIXTURE_DIR } from './testing/paths';

const int64Raw = (values: number[]) => new Uint8Array(BigInt64Array.from(values, (v) => BigInt(v)).buffer);
const F = TensorType.FLOAT;
const I64 = TensorType.INT64;

/** A stand-in for a loaded model: a plain graph's session and the config facts forward() reads. */
async function plainModel(
  spec: GraphSpec,
  modelType = 'lfm2',
  hints = { headDim: 3, kvHeads: 2, hidden: 4, convLength: 3 },
): Promise<ForwardModel & { session: QueuedSession }> {
  configureRuntime({ numThreads: 1 });
  const session = await QueuedSession.create({ model: buildOnnx(spec), externalData: [] }, 'wasm');
  return {
    session,
    info: { numLayers: 1, hiddenSize: 4 } as InstrumentationInfo,
    config: { modelType, numLayers: 1, hiddenSize: 4, vocabSize: 1, maxPositions: 64, eosTokenIds: [], cacheHints: hints },
  };
}

/**
 * logits[b, s, 0] = input_ids + 1000·num_logits_to_keep + 100·use_cache_branch
 * logits_last = [num_logits_to_keep] (read back as the logitsLast readout)
 * present_conv.0 = past_conv.0 + 1                      (a [batch, 4, 3] state)
 * present.1.key/value = concat(past, ids broadcast to [batch, 2, seq, 3], axis 2)
 */
function hybridDecoder(): GraphSpec {
  const kv = (name: string, seq: string) => ({ name, elemType: F, dims: ['batch_size', 2, seq, 'head_dim'] });
  return {
    inputs: [
      { name: 'input_ids', elemType: I64, dims: ['batch_size', 'sequence_length'] },
      { name: 'attention_mask', elemType: I64, dims: ['batch_size', 'total_sequence_length'] },
      { name: 'num_logits_to_keep', elemType: I64, dims: [] },
      { name: 'use_cache_branch', elemType: TensorType.BOOL, dims: [1] },
      { name: 'past_conv.0', elemType: F, dims: ['batch_size', 4, 3] },
      kv('past_key_values.1.key', 'past_sequence_length'),
      kv('past_key_values.1.value', 'past_sequence_length'),
    ],
    outputs: [
      { name: 'logits', elemType: F, dims: ['batch_size', 'sequence_length', 1] },
      { name: 'logits_last', elemType: F, dims: [1] },
      { name: 'present_conv.0', elemType: F, dims: ['batch_size', 4, 3] },
      kv('present.1.key', 'total_sequence_length'),
      kv('present.1.value', 'total_sequence_length'),
    ],
    initializers: [
      { name: 'axes_2', dataType: I64, dims: [1], raw: int64Raw([2]) },
      { name: 'axes_0', dataType: I64, dims: [1], raw: int64Raw([0]) },
      { name: 'axes_1_3', dataType: I64, dims: [2], raw: int64Raw([1, 3]) },
      { name: 'thousand', dataType: F, dims: [], raw: float32Raw([1000]) },
      { name: 'hundred', dataType: F, dims: [], raw: float32Raw([100]) },
      { name: 'one', dataType: F, dims: [], raw: float32Raw([1]) },
      { name: 'kv_ones', dataType: F, dims: [1, 2, 1, 3], raw: float32Raw(new Array(6).fill(1)) },
    ],
    nodes: [
      { op: 'Cast', inputs: ['input_ids'], outputs: ['ids_f'], ints: { to: F } },
      { op: 'Cast', inputs: ['num_logits_to_keep'], outputs: ['keep_f'], ints: { to: F } },
      { op: 'Cast', inputs: ['use_cache_branch'], outputs: ['branch_f'], ints: { to: F } },
      { op: 'Mul', inputs: ['keep_f', 'thousand'], outputs: ['keep_term'] },
      { op: 'Mul', inputs: ['branch_f', 'hundred'], outputs: ['branch_term'] },
      { op: 'Add', inputs: ['keep_term', 'branch_term'], outputs: ['offset'] },
      { op: 'Unsqueeze', inputs: ['ids_f', 'axes_2'], outputs: ['ids_3d'] },
      { op: 'Add', inputs: ['ids_3d', 'offset'], outputs: ['logits'] },
      { op: 'Unsqueeze', inputs: ['keep_f', 'axes_0'], outputs: ['logits_last'] },
      { op: 'Add', inputs: ['past_conv.0', 'one'], outputs: ['present_conv.0'] },
      { op: 'Unsqueeze', inputs: ['ids_f', 'axes_1_3'], outputs: ['ids_4d'] },
      { op: 'Mul', inputs: ['ids_4d', 'kv_ones'], outputs: ['new_kv'] },
      { op: 'Concat', inputs: ['past_key_values.1.key', 'new_kv'], outputs: ['present.1.key'], ints: { axis: 2 } },
      { op: 'Concat', inputs: ['past_key_values.1.value', 'new_kv'], outputs: ['present.1.value'], ints: { axis: 2 } },
    ],
  };
}

describe('feeds follow the graph declarations', () => {
  it('num_logits_to_keep, use_cache_branch, a zero-filled conv state and layer-1-only KV caches reach the graph; presents come back as pasts', async () => {
    const model = await plainModel(hybridDecoder());
    const B = 2;
    const past0 = KvCache.empty(model, B);
    expect(Object.keys(past0.tensors).sort()).toEqual(['past_conv.0', 'past_key_values.1.key', 'past_key_values.1.value']);
    expect(past0.tensors['past_conv.0'].dims).toEqual([B, 4, 3]);
    expect(past0.tensors['past_key_values.1.key'].dims).toEqual([B, 2, 0, 3]); // symbolic head dim → config's

    // Prefill, all logits asked for: keep = 0, no cache yet: branch = 0. (position_ids are not declared: not fed.)
    const ids = [
      [5, 6, 7],
      [8, 9, 10],
    ];
    const mask = ids.map((r) => r.map(() => 1));
    const a = await forward(model, {
      ids,
      attentionMask: mask,
      positionIds: [
        [0, 1, 2],
        [0, 1, 2],
      ],
      past: past0,
      readouts: ['logits', 'logitsLast'],
    });
    expect(Array.from(a.readouts.logits!)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(Array.from(a.readouts.logitsLast!)).toEqual([0]);
    expect(a.present.length).toBe(3);
    expect(Array.from(a.present.tensors['past_conv.0'].data as Float32Array)).toEqual(new Array(B * 12).fill(1));
    expect(a.present.tensors['past_key_values.1.key'].dims).toEqual([B, 2, 3, 3]);

    // Decode without the logits readout: keep = 1, a cache exists: branch = 1; the conv state advances.
    const b = await forward(model, { ids: [[11], [12]], attentionMask: mask.map((m) => [...m, 1]), past: a.present, readouts: ['logitsLast'] });
    expect(Array.from(b.readouts.logitsLast!)).toEqual([1]);
    expect(Array.from(b.present.tensors['past_conv.0'].data as Float32Array)).toEqual(new Array(B * 12).fill(2));
    const key = b.present.tensors['past_key_values.1.key'];
    expect(key.dims).toEqual([B, 2, 4, 3]);
    expect((key.data as Float32Array)[3 * 3]).toBe(11); // row 0, head 0, position 3
    const c = await forward(model, { ids: [[13], [14]], attentionMask: mask.map((m) => [...m, 1, 1]), past: b.present, readouts: ['logits'] });
    expect(Array.from(c.readouts.logits!)).toEqual([13 + 100, 14 + 100]);
    await model.session.release();
  });

  it('an input nothing here can fill is refused by name before the run', async () => {
    const spec = hybridDecoder();
    spec.inputs.push({ name: 'token_type_ids', elemType: I64, dims: ['batch_size', 'sequence_length'] });
    spec.nodes.push({ op: 'Identity', inputs: ['token_type_ids'], outputs: ['types_out'] });
    spec.outputs.push({ name: 'types_out', elemType: I64, dims: ['batch_size', 'sequence_length'] });
    const model = await plainModel(spec);
    const run = () => forward(model, { ids: [[1]], attentionMask: [[1]], past: new KvCache({}, 0), readouts: ['logits'] });
    await expect(run()).rejects.toThrow(EngineError);
    await expect(run()).rejects.toThrow(/"token_type_ids" that this lab does not know how to fill/);
    await model.session.release();
  });

  it('a cache input without a present output is refused by name', async () => {
    const spec = hybridDecoder();
    spec.outputs = spec.outputs.filter((o) => o.name !== 'present_conv.0');
    spec.outputs.push({ name: 'conv_out', elemType: F, dims: ['batch_size', 4, 3] });
    spec.nodes.find((n) => n.outputs[0] === 'present_conv.0')!.outputs = ['conv_out'];
    const model = await plainModel(spec);
    expect(() => KvCache.empty(model, 1)).toThrow(/cache input "past_conv.0" but has no output that carries it forward/);
    await model.session.release();
  });
});

describe('caches and positions: the rules', () => {
  it('maps presents back to pasts by name, hybrid kinds first', () => {
    expect(pastNameOf('present_conv.3')).toBe('past_conv.3');
    expect(pastNameOf('present_ssm.2')).toBe('past_ssm.2');
    expect(pastNameOf('present_recurrent.1')).toBe('past_recurrent.1');
    expect(pastNameOf('present.0.key')).toBe('past_key_values.0.key');
    expect(pastNameOf('logits')).toBeNull();
  });

  it('empty shapes: numbers kept, batch → B, past length → 0, other symbols → 0 unless config.json gives them', () => {
    const hints = cacheHintsFromConfig({ hidden_size: 64, num_attention_heads: 8, num_key_value_heads: 2, conv_L_cache: 3 });
    expect(hints).toEqual({ kvHeads: 2, headDim: 8, hidden: 64, convLength: 3 });
    const kv = {
      past: 'past_key_values.0.key',
      present: 'present.0.key',
      kind: 'key_value' as const,
      dtype: 'float16' as const,
      shape: ['batch_size', 'num_kv_heads', 'past_sequence_length', 'head_size'],
    };
    expect(emptyShape(kv, 3, hints)).toEqual([3, 2, 0, 8]);
    expect(emptyShape(kv, 3, {})).toEqual([3, 0, 0, 0]);
    const conv = { past: 'past_conv.0', present: 'present_conv.0', kind: 'conv' as const, dtype: 'float32' as const, shape: ['batch', 'hidden', 'conv_width'] };
    expect(emptyShape(conv, 2, hints)).toEqual([2, 64, 3]);
    expect(() => emptyShape(conv, 2, {})).toThrow(/conv cache "past_conv.0"/);
    const ssm = { past: 'past_ssm.0', present: 'present_ssm.0', kind: 'state' as const, dtype: 'float32' as const, shape: ['batch_size', 4, 16, 'state'] };
    expect(emptyShape(ssm, 2, hints)).toEqual([2, 4, 16, 0]);
  });

  it('position ids: cumsum(mask) − 1 with padding at 1, starting at 1 for gemma3', () => {
    expect(positionStart('llama')).toBe(0);
    expect(positionStart('gemma3_text')).toBe(1);
    expect(
      positionsFromMask(
        [
          [0, 0, 1, 1, 1],
          [1, 1, 1, 1, 1],
        ],
        5,
      ),
    ).toEqual([
      [1, 1, 0, 1, 2],
      [0, 1, 2, 3, 4],
    ]);
    expect(positionsFromMask([[0, 1, 1, 1]], 1, 1)).toEqual([[3]]);
  });
});

describe('a symbolic KV head dim (newer builder exports) on the real GQA graph', () => {
  const dir = mkdtempSync(join(tmpdir(), 'persona-lab-symbolic-kv-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the empty cache takes the head size from config.json; generation equals the unmodified fixture', async () => {
    const model = parseOnnx(new Uint8Array(readFileSync(join(GQA_FIXTURE_DIR, 'onnx/model.onnx'))));
    let renamed = 0;
    for (const v of [...model.graph.inputs, ...model.graph.outputs]) {
      if (/^(past_key_values|present)\./.test(v.name) && v.dims?.[3] === 16) {
        v.dims[3] = 'head_size';
        delete v.raw;
        renamed++;
      }
    }
    expect(renamed).toBe(8);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'onnx'));
    writeFileSync(join(dir, 'onnx/model.onnx'), serializeOnnx(model));
    symlinkSync(join(GQA_FIXTURE_DIR, 'onnx/model.onnx.data'), join(dir, 'onnx/model.onnx.data'));
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) copyFileSync(join(GQA_FIXTURE_DIR, f), join(dir, f));

    const prompts = [
      [1, 15043, 29892, 920, 526],
      [1, 3681, 338],
    ];
    const symbolic = await loadLocalEngine(dir);
    const original = await loadLocalEngine(GQA_FIXTURE_DIR);
    try {
      expect(symbolic.engine.loaded.session.inputMetadata.find((m) => m.name === 'past_key_values.0.key')).toMatchObject({
        shape: ['batch_size', 1, 'past_sequence_length', 'head_size'],
      });
      const a = await generate(symbolic.engine.loaded, { prompts, maxNewTokens: 4, stopTokenIds: [] });
      const b = await generate(original.engine.loaded, { prompts, maxNewTokens: 4, stopTokenIds: [] });
      expect(a.tokens).toEqual(b.tokens);
    } finally {
      await symbolic.engine.unload();
      await original.engine.unload();
    }
  });
});
