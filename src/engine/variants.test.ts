/**
 * Variant rules from file names and sizes alone: every published name, external-data chunks,
 * builder layouts, the default per backend, and refusals that name what would fit.
 */
import { describe, expect, it } from 'vitest';
import {
  DTYPES,
  DTYPE_SUFFIX,
  WASM_MODEL_LIMIT,
  VariantError,
  chooseVariant,
  externalChunkCount,
  findVariant,
  fitOf,
  variantsFromFiles,
  type RepoFile,
  type Variant,
} from './variants';

const GB = 2 ** 30;
const MB = 2 ** 20;
const gpuF16 = { shaderF16: true, maxBufferSize: 2 * GB };
const gpuNoF16 = { shaderF16: false, maxBufferSize: 2 * GB };
const cpu = { shaderF16: false, maxBufferSize: 0 };

function thrown(fn: () => unknown): VariantError {
  try {
    fn();
  } catch (e) {
    if (e instanceof VariantError) return e;
    throw e;
  }
  throw new Error('expected a VariantError');
}

/** A repository with one graph per dtype given, each with `bytes` of external data in one `_data` file. */
function repo(sizes: Partial<Record<string, number>>): Variant[] {
  const files: RepoFile[] = [{ path: 'config.json', bytes: 300 }];
  for (const [dtype, bytes] of Object.entries(sizes)) {
    const graph = `onnx/model${DTYPE_SUFFIX[dtype as keyof typeof DTYPE_SUFFIX]}.onnx`;
    files.push({ path: graph, bytes: 1000 }, { path: `${graph}_data`, bytes: bytes! });
  }
  return variantsFromFiles(files);
}

describe('variants from a file list', () => {
  it('knows every transformers.js dtype name, with the sizes of the graph and all its chunks', () => {
    const files: RepoFile[] = DTYPES.flatMap((d, i) => [
      { path: `onnx/model${DTYPE_SUFFIX[d]}.onnx`, bytes: 100 + i },
      { path: `onnx/model${DTYPE_SUFFIX[d]}.onnx_data`, bytes: 1000 * (i + 1) },
    ]);
    const variants = variantsFromFiles(files);
    expect(variants.map((v) => v.name)).toEqual(['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4', 'q2', 'q2f16', 'q1', 'q1f16']);
    expect(variants.map((v) => v.onnxPath)).toEqual([
      'onnx/model.onnx',
      'onnx/model_fp16.onnx',
      'onnx/model_quantized.onnx',
      'onnx/model_int8.onnx',
      'onnx/model_uint8.onnx',
      'onnx/model_q4.onnx',
      'onnx/model_q4f16.onnx',
      'onnx/model_bnb4.onnx',
      'onnx/model_q2.onnx',
      'onnx/model_q2f16.onnx',
      'onnx/model_q1.onnx',
      'onnx/model_q1f16.onnx',
    ]);
    // model_q4's data is its own, not model_q4f16's (a prefix of the name).
    const q4 = variants.find((v) => v.name === 'q4')!;
    expect(q4.files.map((f) => f.path)).toEqual(['onnx/model_q4.onnx', 'onnx/model_q4.onnx_data']);
    expect(q4.bytes).toBe(105 + 6000);
    expect(variants.filter((v) => v.halfPrecision).map((v) => v.name)).toEqual(['fp16', 'q4f16', 'q2f16', 'q1f16']);
  });

  it('orders external-data chunks numerically (_data, _data_1, …, _data_10) and takes a builder-style .data file too', () => {
    const files: RepoFile[] = [
      { path: 'onnx/model.onnx', bytes: 10 },
      ...[10, 2, 1].map((i) => ({ path: `onnx/model.onnx_data_${i}`, bytes: i })),
      { path: 'onnx/model.onnx_data', bytes: 100 },
      { path: 'onnx/model.onnx_database', bytes: 7 }, // not a chunk name
    ];
    const [v] = variantsFromFiles(files);
    expect(v.files.map((f) => f.path)).toEqual([
      'onnx/model.onnx',
      'onnx/model.onnx_data',
      'onnx/model.onnx_data_1',
      'onnx/model.onnx_data_2',
      'onnx/model.onnx_data_10',
    ]);
    expect(v.bytes).toBe(10 + 100 + 1 + 2 + 10);
    const [builder] = variantsFromFiles([
      { path: 'onnx/model.onnx', bytes: 10 },
      { path: 'onnx/model.onnx.data', bytes: 50 },
    ]);
    expect(builder.files.map((f) => f.path)).toEqual(['onnx/model.onnx', 'onnx/model.onnx.data']);
  });

  it('builder layouts: the root model.onnx + model.onnx.data, and a subfolder named by its genai_config.json', () => {
    const files: RepoFile[] = [
      { path: 'model.onnx', bytes: 5 },
      { path: 'model.onnx.data', bytes: 500 },
      { path: 'cpu-int4-rtn-block-32/genai_config.json', bytes: 1 },
      { path: 'cpu-int4-rtn-block-32/phi3-mini-int4.onnx', bytes: 7 },
      { path: 'cpu-int4-rtn-block-32/phi3-mini-int4.onnx.data', bytes: 700 },
      { path: 'cuda-fp16/genai_config.json', bytes: 1 }, // names a file the folder lacks: no variant
    ];
    const variants = variantsFromFiles(files, { 'cpu-int4-rtn-block-32': 'phi3-mini-int4.onnx', 'cuda-fp16': 'model.onnx' });
    expect(variants.map((v) => [v.name, v.onnxPath, v.bytes, v.layout, v.halfPrecision])).toEqual([
      ['cpu-int4-rtn-block-32', 'cpu-int4-rtn-block-32/phi3-mini-int4.onnx', 707, 'builder', null],
      ['builder', 'model.onnx', 505, 'builder', null],
    ]);
  });

  it('reads the chunk count from transformers.js_config.use_external_data_format (boolean, number, per file)', () => {
    const c = (v: unknown) => ({ 'transformers.js_config': { use_external_data_format: v } });
    expect(externalChunkCount({}, 'onnx/model.onnx')).toBeNull();
    expect(externalChunkCount(c(true), 'onnx/model.onnx')).toBe(1);
    expect(externalChunkCount(c(false), 'onnx/model.onnx')).toBe(0);
    expect(externalChunkCount(c(3), 'onnx/model_q4.onnx')).toBe(3);
    expect(externalChunkCount(c({ 'model_fp16.onnx': 2, model: 4 }), 'onnx/model_fp16.onnx')).toBe(2);
    expect(externalChunkCount(c({ 'model_fp16.onnx': 2, model: 4 }), 'onnx/model.onnx')).toBe(4);
    expect(externalChunkCount(c({ 'model_fp16.onnx': 2 }), 'onnx/model_q4.onnx')).toBe(0);
  });

  it('finds a variant by dtype, graph path, or stem under onnx/', () => {
    const v = repo({ fp32: 1, q4: 1 });
    expect(findVariant(v, 'q4')?.onnxPath).toBe('onnx/model_q4.onnx');
    expect(findVariant(v, 'onnx/model_q4.onnx')?.name).toBe('q4');
    expect(findVariant(v, 'model')?.name).toBe('fp32');
    expect(findVariant(v, 'q8')).toBeUndefined();
  });
});

describe('the default per backend', () => {
  const all = repo({ fp32: 400 * MB, fp16: 200 * MB, q8: 100 * MB, q4: 80 * MB, q4f16: 60 * MB });

  it('WebGPU with shader-f16 prefers q4f16; without it q4 on WebGPU; WASM prefers q4, then q8, then fp32', () => {
    expect(chooseVariant(all, undefined, 'webgpu', gpuF16).variant.name).toBe('q4f16');
    const noF16 = chooseVariant(all, undefined, 'webgpu', gpuNoF16);
    expect([noF16.variant.name, noF16.fit.backend, noF16.fit.note]).toEqual(['q4', 'webgpu', null]);
    expect(chooseVariant(all, undefined, 'wasm', cpu).variant.name).toBe('q4');
    expect(chooseVariant(repo({ fp32: 1, q8: 1, fp16: 1 }), undefined, 'wasm', cpu).variant.name).toBe('q8');
    expect(chooseVariant(repo({ fp32: 1, fp16: 1 }), undefined, 'wasm', cpu).variant.name).toBe('fp32');
    expect(chooseVariant(repo({ fp32: 1, fp16: 1 }), undefined, 'webgpu', gpuF16).variant.name).toBe('fp16');
  });

  it('a repository that only ships q4f16 loads on WASM, and on WebGPU without shader-f16 moves to WASM saying why', () => {
    const only = repo({ q4f16: 300 * MB });
    const wasm = chooseVariant(only, undefined, 'wasm', cpu);
    expect([wasm.variant.name, wasm.fit.backend, wasm.fit.refusal]).toEqual(['q4f16', 'wasm', null]);
    const gpu = chooseVariant(only, undefined, 'webgpu', gpuNoF16);
    expect(gpu.fit.backend).toBe('wasm');
    expect(gpu.fit.note).toContain('shader-f16');
    expect(chooseVariant(only, undefined, 'webgpu', gpuF16).fit).toEqual({ backend: 'webgpu', note: null, refusal: null });
  });

  it('skips a preferred variant that cannot fit WASM and takes the next one', () => {
    const v = repo({ fp32: 5 * GB, q8: 1.3 * GB, q4: 4 * GB });
    const c = chooseVariant(v, undefined, 'wasm', cpu);
    expect(c.variant.name).toBe('q8');
  });
});

describe('refusals before download', () => {
  it('a requested variant too big for WASM: says how big, the limit, that nothing was downloaded, and which smaller ones fit', () => {
    const v = repo({ fp32: 6 * GB, fp16: 3 * GB, q4: 1 * GB, q8: 1.5 * GB });
    const e = thrown(() => chooseVariant(v, 'fp32', 'wasm', cpu, 'org/big'));
    expect(e.code).toBe('too_large');
    expect(e.message).toContain('fp32 needs 6.00 GB, more than WASM can hold');
    expect(e.message).toContain('nothing was downloaded');
    expect(e.hint).toBe('Pick a smaller variant that fits: fp16 (3.00 GB), q8 (1.50 GB), q4 (1.00 GB).');
    // The limit is the documented one, and a variant just under it is accepted.
    expect(fitOf(repo({ q4: WASM_MODEL_LIMIT - 1000 })[0], 'wasm', cpu).refusal).toBeNull();
    expect(fitOf(repo({ q4: WASM_MODEL_LIMIT })[0], 'wasm', cpu).refusal).toContain('more than WASM can hold');
  });

  it('a float16 variant on a WebGPU adapter without shader-f16 is judged on WASM: too big there is refused with both reasons', () => {
    const v = repo({ fp16: 5 * GB, q4: 2 * GB });
    const e = thrown(() => chooseVariant(v, 'fp16', 'webgpu', gpuNoF16));
    expect(e.message).toContain('lacks shader-f16');
    expect(e.message).toContain('5.00 GB, more than WASM can hold');
    expect(e.hint).toContain('q4 (2.00 GB)');
    // With shader-f16, WebGPU takes it (its buffer limit is checked per tensor once the graph is read).
    expect(chooseVariant(v, 'fp16', 'webgpu', gpuF16).fit.backend).toBe('webgpu');
  });

  it('no variant fits: says so; an unknown variant name lists the ones there are', () => {
    const e = thrown(() => chooseVariant(repo({ fp32: 8 * GB, q4: 4 * GB }), undefined, 'wasm', cpu, 'org/huge'));
    expect(e.message).toMatch(/^no variant of org\/huge fits: q4 needs 4\.00 GB/);
    const u = thrown(() => chooseVariant(repo({ fp32: 1, q4: 1 }), 'q8', 'wasm', cpu, 'org/m'));
    expect(u.code).toBe('not_found');
    expect(u.message).toContain('org/m has no variant "q8"; it has fp32 (onnx/model.onnx');
    const none = thrown(() => chooseVariant([], undefined, 'wasm', cpu, 'org/empty'));
    expect(none.message).toContain('org/empty has no ONNX model');
  });

  it('WebGPU buffer limit from config.json before download: an fp32 embedding table over maxStorageBufferBindingSize moves to WASM, fp16 stays', () => {
    // Gemma-3-1B-like: 262144 × 1152; fp32 table 1.13 GB, fp16 0.56 GB; the GPU binds at most 1 GB.
    const ctx = { shaderF16: true, maxBufferSize: 1 * GB, table: { vocab: 262144, hidden: 1152 } };
    const v = repo({ fp32: 4 * GB, fp16: 2 * GB, q4: 1 * GB });
    const fp32 = fitOf(
      v.find((x) => x.name === 'fp32')!,
      'webgpu',
      ctx,
    );
    expect(fp32.backend).toBe('wasm');
    expect(fp32.note).toBe(
      "fp32's embedding table (262144 × 1152, 1.13 GB) exceeds this GPU's maxStorageBufferBindingSize (1.00 GB), so it runs on WASM (CPU)",
    );
    expect(fp32.refusal).toContain('where it needs 4.00 GB, more than WASM can hold');
    expect(
      fitOf(
        v.find((x) => x.name === 'fp16')!,
        'webgpu',
        ctx,
      ),
    ).toEqual({ backend: 'webgpu', note: null, refusal: null });
    // q4 names no table precision (4-bit builds may quantise it): no guess, WebGPU keeps it.
    expect(
      fitOf(
        v.find((x) => x.name === 'q4')!,
        'webgpu',
        ctx,
      ).backend,
    ).toBe('webgpu');
    const e = thrown(() => chooseVariant(v, 'fp32', 'webgpu', ctx, 'org/gemma'));
    expect(e.code).toBe('too_large');
    expect(e.hint).toBe('Pick a smaller variant that fits: fp16 (2.00 GB), q4 (1.00 GB).');
    // Without the shape (config.json lacks it) only the size rules apply.
    expect(
      fitOf(
        v.find((x) => x.name === 'fp32')!,
        'webgpu',
        { shaderF16: true, maxBufferSize: 1 * GB },
      ).backend,
    ).toBe('webgpu');
  });
});
