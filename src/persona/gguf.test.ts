import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gguf } from '@huggingface/gguf';
import { exportControlVectorGguf, importControlVectorGguf, ggufDirectionName, rowOfGgufDirection } from './gguf';
import { readGguf, writeGguf, gv } from './ggufContainer';
import { makePersonaVector, vectorRow } from './personaVector';

const L = 5,
  H = 8;
function sample(layer?: number) {
  const data = Float32Array.from({ length: (L + 1) * H }, (_, i) => Math.sin(i * 0.7) * (1 + Math.floor(i / H)));
  return makePersonaVector(L + 1, H, data, { modelId: 'org/m', trait: 'evil', readout: 'response_avg', layer });
}

/** Parse with the independent @huggingface/gguf parser, through a local file. */
async function parseIndependently(bytes: Uint8Array) {
  const dir = mkdtempSync(join(tmpdir(), 'pl-gguf-'));
  const path = join(dir, 'cv.gguf');
  writeFileSync(path, bytes);
  const out = await gguf(path, { allowLocalFile: true });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = (i: number) => {
    const t = out.tensorInfos[i];
    const n = Number(t.shape[0]);
    const start = Number(out.tensorDataOffset + t.offset);
    return Array.from({ length: n }, (_, k) => view.getFloat32(start + 4 * k, true));
  };
  return { out, meta: out.metadata as unknown as Record<string, unknown>, values };
}

describe('GGUF control vector', () => {
  it('maps llama.cpp direction.N to blocks.N.resid_post (row N+1) and refuses block 0', () => {
    expect(ggufDirectionName(3)).toBe('direction.3');
    expect(rowOfGgufDirection(3)).toBe(4);
    expect(() => ggufDirectionName(0)).toThrow(/cannot steer block 0/);
  });

  it('writes a file the independent @huggingface/gguf parser reads back exactly', async () => {
    const v = sample(2);
    const bytes = exportControlVectorGguf(v, { layers: [1, 2, 4], alpha: 2, modelHint: 'qwen2' });
    const { out, meta, values } = await parseIndependently(bytes);
    expect(meta.version).toBe(3);
    expect(meta['general.architecture']).toBe('controlvector');
    expect(meta['controlvector.model_hint']).toBe('qwen2');
    expect(meta['controlvector.layer_count']).toBe(3);
    expect(meta['personalab.trait']).toBe('evil');
    expect(out.tensorInfos.map((t) => t.name)).toEqual(['direction.1', 'direction.2', 'direction.4']);
    for (const t of out.tensorInfos) {
      expect(t.dtype).toBe(0); // F32
      expect(t.n_dims).toBe(1);
      expect(t.shape).toEqual([BigInt(H)]);
      expect(Number(t.offset) % 32).toBe(0);
    }
    expect(Number(out.tensorDataOffset) % 32).toBe(0);
    // direction.N = α · row N+1, value for value
    [1, 2, 4].forEach((n, i) => expect(values(i)).toEqual(Array.from(vectorRow(v, n + 1), (x) => Math.fround(x * 2))));
  });

  it('round-trips our own files exactly, full vector and metadata included', () => {
    const v = sample(3);
    const r = importControlVectorGguf(exportControlVectorGguf(v, { alpha: 1.5 }));
    expect(r.layers).toEqual([3]);
    expect(r.alpha).toBe(1.5);
    expect(r.modelHint).toBe('org/m');
    expect(new Uint32Array(r.vector.data.buffer)).toEqual(new Uint32Array(v.data.buffer));
    expect(r.vector.meta).toEqual(v.meta);
  });

  it('reads foreign files: directions summed per layer, rows N+1, L from the model', () => {
    const a = new Float32Array([1, 2, 3]),
      b = new Float32Array([10, 20, 30]);
    const bytes = writeGguf(
      [
        ['general.architecture', gv.str('controlvector')],
        ['controlvector.model_hint', gv.str('llama')],
        ['controlvector.layer_count', gv.u32(2)],
      ],
      [
        { name: 'direction.2', dims: [3], data: a },
        { name: 'direction.2', dims: [3], data: b },
        { name: 'direction.1', dims: [3], data: a },
      ],
    );
    const r = importControlVectorGguf(bytes, { numLayers: 6 });
    expect(r.vector.rows).toBe(7);
    expect(r.layers).toEqual([1, 2]);
    expect(Array.from(vectorRow(r.vector, 3))).toEqual([11, 22, 33]);
    expect(Array.from(vectorRow(r.vector, 2))).toEqual([1, 2, 3]);
    expect(Array.from(vectorRow(r.vector, 1))).toEqual([0, 0, 0]);
    expect(r.vector.presentRows).toEqual([2, 3]);
    expect(r.vector.meta.extra).toEqual({ model_hint: 'llama' });
    // re-exported, the hint survives as controlvector.model_hint and in our metadata
    const again = importControlVectorGguf(exportControlVectorGguf(r.vector));
    expect(again.modelHint).toBe('llama');
    expect(again.vector.meta).toEqual(r.vector.meta);
    expect(again.vector.presentRows).toEqual([2, 3]);
  });

  it('without the full vector, writes only what llama.cpp needs', async () => {
    const bytes = exportControlVectorGguf(sample(2), { keepFullVector: false });
    const { out, meta, values } = await parseIndependently(bytes);
    expect(Object.keys(meta).filter((k) => k.startsWith('personalab'))).toEqual([]);
    expect(out.tensorInfos.map((t) => t.name)).toEqual(['direction.2']);
    expect(values(0)).toEqual(Array.from(vectorRow(sample(), 3)));
    const r = importControlVectorGguf(bytes);
    expect(r.vector.meta.layer).toBe(2);
    expect(Array.from(vectorRow(r.vector, 3))).toEqual(Array.from(vectorRow(sample(), 3)));
  });

  it('refuses what llama.cpp refuses, with reasons', () => {
    expect(() => exportControlVectorGguf(sample(0))).toThrow(/cannot steer block 0/);
    expect(() => exportControlVectorGguf(sample(), { layers: [9] })).toThrow(/block 9 does not exist/);
    const bad = (name: string, dims = [3]) => writeGguf([['general.architecture', gv.str('controlvector')]], [{ name, dims, data: new Float32Array(3) }]);
    expect(() => importControlVectorGguf(bad('direction.0'))).toThrow(/direction.0 is invalid/);
    expect(() => importControlVectorGguf(bad('blk.1.weight'))).toThrow(/not named direction/);
    expect(() => importControlVectorGguf(bad('direction.1', [1, 3]))).toThrow(/1-D/);
    expect(() => importControlVectorGguf(writeGguf([['general.architecture', gv.str('llama')]], []))).toThrow(/model file/);
    expect(() => readGguf(new TextEncoder().encode('GGML....'))).toThrow(/not a GGUF file/);
    const good = exportControlVectorGguf(sample(2));
    expect(() => readGguf(good.subarray(0, 40))).toThrow(/truncated/);
  });

  it('reads the container: version, alignment, kv types', () => {
    const bytes = writeGguf(
      [
        ['a', gv.u32(7)],
        ['b', gv.f32s(new Float32Array([0.5]))],
      ],
      [{ name: 't', dims: [2], data: new Float32Array([1, 2]) }],
      64,
    );
    const f = readGguf(bytes);
    expect(f.version).toBe(3);
    expect(f.alignment).toBe(64);
    expect(f.kv.get('a')).toEqual({ type: 4, value: 7 });
    expect(Array.from(f.tensors[0].data)).toEqual([1, 2]);
  });
});
