import { describe, it, expect } from 'vitest';
import { convertVectorFile, detectVectorFormat, formatFromFileName, readVectorFile, writeVectorFile, VECTOR_FORMATS } from './convert';
import { makePersonaVector, vectorRow } from './personaVector';
import { readGguf } from './ggufContainer';

const L = 4,
  H = 6;
function sample() {
  const data = Float32Array.from({ length: (L + 1) * H }, (_, i) => Math.fround(Math.sqrt(i + 1) * (i % 2 ? -1 : 1) * 0.013));
  return makePersonaVector(L + 1, H, data, { modelId: 'org/m', trait: 'optimistic', readout: 'prompt_last', layer: 2, extra: { note: 'x' } });
}
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('convert', () => {
  it('detects formats from bytes and names', () => {
    const v = sample();
    for (const f of VECTOR_FORMATS) expect(detectVectorFormat(writeVectorFile(v, f))).toBe(f);
    expect(detectVectorFormat(new TextEncoder().encode('  \n{"vectors": []}'))).toBe('neuronpedia');
    expect(detectVectorFormat(new Uint8Array([1, 2, 3]))).toBeNull();
    expect(formatFromFileName('a/B.GGUF')).toBe('gguf');
    expect(formatFromFileName('v.json')).toBe('neuronpedia');
    expect(formatFromFileName('v.pt')).toBeNull();
    expect(() => readVectorFile(new Uint8Array([1, 2, 3]))).toThrow(/unrecognised vector file/);
  });

  it('every path between formats keeps every value and the metadata', () => {
    const v = sample();
    for (const a of VECTOR_FORMATS) {
      for (const b of VECTOR_FORMATS) {
        const first = writeVectorFile(v, a);
        const mid = convertVectorFile(first, b);
        expect(mid.from).toBe(a);
        const back = convertVectorFile(mid.bytes, 'safetensors');
        const r = readVectorFile(back.bytes);
        expect(bits(r.data), `${a} → ${b} → safetensors`).toEqual(bits(v.data));
        expect(r.meta, `${a} → ${b}`).toEqual(v.meta);
        expect(r.rows).toBe(L + 1);
      }
    }
  });

  it('writes the requested layers and alpha into GGUF directions', () => {
    const out = convertVectorFile(writeVectorFile(sample(), 'safetensors'), 'gguf', { layers: [1, 3], alpha: -2 });
    const g = readGguf(out.bytes);
    expect(g.tensors.map((t) => t.name)).toEqual(['direction.1', 'direction.3']);
    expect(Array.from(g.tensors[1].data)).toEqual(Array.from(vectorRow(sample(), 4), (x) => Math.fround(-2 * x)));
  });

  it('narrows Neuronpedia output to the given layers', () => {
    const out = convertVectorFile(writeVectorFile(sample(), 'safetensors'), 'neuronpedia', { layers: [3] });
    const j = JSON.parse(new TextDecoder().decode(out.bytes));
    expect(j.vectors.map((e: { hook: string }) => e.hook)).toEqual(['blocks.3.hook_resid_post']);
  });
});
