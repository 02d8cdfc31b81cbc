import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gguf } from '@huggingface/gguf';
import { readSafetensors, writeSafetensors } from './safetensors';
import { importVectorFile, vectorDownload, vectorFileName, VectorFileError, type VectorSource } from './vectorDownload';

const L = 4,
  H = 8;
const MODEL = { id: 'persona-lab/persona-demo', numLayers: L, hiddenSize: H };
function source(layer = 2): VectorSource {
  const data = Float32Array.from({ length: (L + 1) * H }, (_, i) => Math.sin(i * 0.37) * (1 + Math.floor(i / H)) + 1e-7 * i);
  return { trait: 'optimistic', modelId: 'persona-lab/persona-demo', rows: L + 1, hidden: H, data, layer };
}
const row = (v: VectorSource, l: number) => Array.from(v.data.subarray((l + 1) * H, (l + 2) * H));

function importError(bytes: Uint8Array, name: string, model = MODEL): VectorFileError {
  try {
    importVectorFile(bytes, name, model);
  } catch (e) {
    expect(e).toBeInstanceOf(VectorFileError);
    return e as VectorFileError;
  }
  throw new Error('expected the import to fail');
}

describe('vector download', () => {
  it('names files by trait, model, layers and format', () => {
    const v = source();
    expect(vectorFileName(v, 'safetensors', 'layer')).toBe('optimistic.persona-demo.all-layers.safetensors');
    expect(vectorFileName(v, 'gguf', 'layer')).toBe('optimistic.persona-demo.layer2.gguf');
    expect(vectorFileName(v, 'gguf', 'all')).toBe('optimistic.persona-demo.all-layers.gguf');
    expect(vectorFileName({ ...v, trait: 'a b/c' }, 'neuronpedia', 'layer')).toBe('a-b-c.persona-demo.layer2.json');
  });

  it('safetensors: the persona-vectors [L+1, hidden] layout with metadata, and the same Float32 data back', () => {
    const v = source();
    const d = vectorDownload(v, 'safetensors');
    const f = readSafetensors(d.bytes);
    expect(f.tensors.vector.shape).toEqual([L + 1, H]);
    expect(f.tensors.vector.data).toEqual(v.data);
    expect(f.metadata).toMatchObject({
      model_id: v.modelId,
      trait: 'optimistic',
      readout: 'response_avg',
      layer: '2',
      hook: 'blocks.2.resid_post',
      convention: 'hf_hidden_states',
      num_layers: String(L),
      hidden_size: String(H),
    });
    const back = importVectorFile(d.bytes, d.fileName, MODEL);
    expect(back.format).toBe('safetensors');
    expect(back.vector.data).toEqual(v.data);
    expect(back.layer).toBe(2);
    expect(back.trait).toBe('optimistic');
    expect(back.warnings).toEqual([]);
    expect(back.vector.meta.readout).toBe('response_avg');
  });

  it("the vector's readout goes into the safetensors and Neuronpedia metadata and comes back", () => {
    const v: VectorSource = { ...source(), readout: 'prompt_last' };
    const st = vectorDownload(v, 'safetensors');
    expect(readSafetensors(st.bytes).metadata.readout).toBe('prompt_last');
    expect(importVectorFile(st.bytes, st.fileName, MODEL).vector.meta.readout).toBe('prompt_last');
    const np = vectorDownload(v, 'neuronpedia', 'all');
    expect(importVectorFile(np.bytes, np.fileName, MODEL).vector.meta.readout).toBe('prompt_last');
  });

  it('GGUF at the chosen layer and at all layers reads back with an independent parser', async () => {
    const v = source();
    const dir = mkdtempSync(join(tmpdir(), 'pl-vdl-'));
    for (const scope of ['layer', 'all'] as const) {
      const d = vectorDownload(v, 'gguf', scope);
      const path = join(dir, d.fileName);
      writeFileSync(path, d.bytes);
      const parsed = await gguf(path, { allowLocalFile: true });
      const meta = parsed.metadata as unknown as Record<string, unknown>;
      expect(meta['general.architecture']).toBe('controlvector');
      expect(meta['controlvector.model_hint']).toBe(v.modelId);
      const layers = scope === 'layer' ? [2] : [1, 2, 3];
      expect(parsed.tensorInfos.map((t) => t.name)).toEqual(layers.map((l) => `direction.${l}`));
      expect(Number(meta['controlvector.layer_count'])).toBe(layers.length);
      const view = new DataView(d.bytes.buffer, d.bytes.byteOffset, d.bytes.byteLength);
      parsed.tensorInfos.forEach((t, i) => {
        expect(t.shape.map(Number)).toEqual([H]);
        const start = Number(parsed.tensorDataOffset + t.offset);
        const values = Array.from({ length: H }, (_, k) => view.getFloat32(start + 4 * k, true));
        expect(values).toEqual(row(v, layers[i]));
      });
      // and our importer gives the whole vector back exactly
      const back = importVectorFile(d.bytes, d.fileName, MODEL);
      expect(back.format).toBe('gguf');
      expect(back.vector.data).toEqual(v.data);
      expect(back.layer).toBe(2);
    }
  });

  it('GGUF refuses block 0 at the chosen layer with what to do', () => {
    expect(() => vectorDownload(source(0), 'gguf', 'layer')).toThrow(/block 0/);
    try {
      vectorDownload(source(0), 'gguf', 'layer');
    } catch (e) {
      expect((e as VectorFileError).hint).toMatch(/layer ≥ 1|all layers/);
    }
    expect(vectorDownload(source(0), 'gguf', 'all').fileName).toMatch(/all-layers\.gguf$/);
  });

  it('Neuronpedia JSON: one hook at the chosen layer, or every row; reads back the same data', () => {
    const v = source();
    const one = JSON.parse(new TextDecoder().decode(vectorDownload(v, 'neuronpedia', 'layer').bytes));
    expect(one.vectors).toHaveLength(1);
    expect(one.vectors[0].hook).toBe('blocks.2.hook_resid_post');
    expect(one.vectors[0].steering_vector).toEqual(row(v, 2).map((x) => Math.fround(x)));
    const all = vectorDownload(v, 'neuronpedia', 'all');
    const parsed = JSON.parse(new TextDecoder().decode(all.bytes));
    expect(parsed.vectors.map((x: { hook: string }) => x.hook)).toEqual([0, 1, 2, 3].map((l) => `blocks.${l}.hook_resid_post`));
    const back = importVectorFile(all.bytes, all.fileName, MODEL);
    expect(back.format).toBe('neuronpedia');
    expect(back.vector.data.subarray(H)).toEqual(v.data.subarray(H));
    expect(back.vector.presentRows).toEqual([1, 2, 3, 4]);
  });
});

describe('vector import checks against the model', () => {
  it('wrong hidden size names both sizes and says what to do', () => {
    const d = vectorDownload(source(), 'safetensors');
    const e = importError(d.bytes, 'x.safetensors', { ...MODEL, hiddenSize: 16 });
    expect(e.message).toMatch(/hidden size is 8 but the model has 16/);
    expect(e.hint).toMatch(/hidden size 16/);
  });

  it('wrong layer count', () => {
    const d = vectorDownload(source(), 'safetensors');
    const e = importError(d.bytes, 'x.safetensors', { ...MODEL, numLayers: 6 });
    expect(e.message).toMatch(/5 rows .* 6 blocks/);
    expect(e.hint).toMatch(/6 blocks/);
  });

  it('NaN / Inf', () => {
    const v = source();
    const data = Float32Array.from(v.data);
    data[H * 3 + 1] = NaN;
    const bytes = writeSafetensors({ vector: { shape: [L + 1, H], data } }, { layer: '2' });
    const e = importError(bytes, 'bad.safetensors');
    expect(e.message).toMatch(/NaN or infinite/);
    expect(e.message).toMatch(/blocks\.2\.resid_post\[1\]/);
    expect(e.hint).toMatch(/damaged/);
  });

  it('unsupported dtype', () => {
    const header = new TextEncoder().encode(JSON.stringify({ vector: { dtype: 'I32', shape: [L + 1, H], data_offsets: [0, (L + 1) * H * 4] } }));
    const bytes = new Uint8Array(8 + header.length + (L + 1) * H * 4);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
    bytes.set(header, 8);
    const e = importError(bytes, 'ints.safetensors');
    expect(e.message).toMatch(/dtype "I32"/);
    expect(e.hint).toMatch(/float32/);
  });

  it('not a vector file, or empty', () => {
    expect(importError(new TextEncoder().encode('hello'), 'notes.txt').message).toMatch(/not a vector file/);
    expect(importError(new Uint8Array(0), 'empty.safetensors').message).toMatch(/empty/);
  });

  it('another model id with the same shape imports with a warning', () => {
    const d = vectorDownload({ ...source(), modelId: 'someone/other' }, 'safetensors');
    const r = importVectorFile(d.bytes, d.fileName, MODEL);
    expect(r.warnings.join(' ')).toMatch(/someone\/other/);
  });
});
