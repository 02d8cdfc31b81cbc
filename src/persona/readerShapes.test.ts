/**
 * Readers check shapes against the data, not against the metadata the file carries about itself
 * (issue 20): a GGUF control vector whose direction tensors disagree with the `personalab.vector`
 * copy, safetensors and Neuronpedia files whose metadata claims another width or block count, and
 * names such as "__proto__" that must stay names.
 */
import { describe, expect, it } from 'vitest';
import { exportControlVectorGguf, importControlVectorGguf } from './gguf';
import { GGUF_TYPE, gv, readGguf, writeGguf } from './ggufContainer';
import { exportNeuronpedia, importNeuronpedia } from './neuronpedia';
import { makePersonaVector } from './personaVector';
import { readSafetensors, writeSafetensors } from './safetensors';
import { exportVectorSafetensors, importVectorSafetensors, vectorMetadata } from './vectorFile';
import { importVectorFile } from './vectorDownload';

const L = 5,
  H = 8;
function sample(layer = 2) {
  const data = Float32Array.from({ length: (L + 1) * H }, (_, i) => Math.cos(i * 0.3) * (1 + Math.floor(i / H)));
  return makePersonaVector(L + 1, H, data, { modelId: 'org/m', trait: 'evil', readout: 'response_avg', layer });
}

/** Our own GGUF file, rewritten with its direction tensors replaced. */
function withDirections(bytes: Uint8Array, directions: { name: string; data: Float32Array }[]): Uint8Array {
  const f = readGguf(bytes);
  return writeGguf(
    f.kv,
    directions.map((d) => ({ name: d.name, dims: [d.data.length], data: d.data })),
  );
}

describe("GGUF: the direction tensors must agree with the lab's full copy", () => {
  it('a direction of another width than personalab.hidden_size is refused (it was accepted before)', () => {
    const good = exportControlVectorGguf(sample());
    expect(importControlVectorGguf(good, { hidden: H, numLayers: L }).vector.hidden).toBe(H);
    const narrow = withDirections(good, [{ name: 'direction.2', data: new Float32Array(H / 2).fill(0.5) }]);
    // the metadata copy alone still describes a valid [L+1, H] vector: only the tensors are wrong
    expect(readGguf(narrow).kv.get('personalab.vector')?.type).toBe(GGUF_TYPE.ARRAY);
    expect(() => importControlVectorGguf(narrow, { hidden: H, numLayers: L })).toThrow(
      /direction tensors are 4 values wide but personalab\.hidden_size and personalab\.vector say 8/,
    );
    // the lab's import says it in the panel's words, with the file name
    expect(() => importVectorFile(narrow, 'edited.gguf', { id: 'org/m', numLayers: L, hiddenSize: H })).toThrow(/edited\.gguf \(gguf\): .*4 values wide/);
  });

  it('a direction whose values differ from α × the copy, or steers a block the copy lacks, is refused', () => {
    const v = sample();
    const good = exportControlVectorGguf(v, { alpha: 2 });
    const row = Float32Array.from(v.data.subarray(3 * H, 4 * H), (x) => x * 2);
    expect(importControlVectorGguf(withDirections(good, [{ name: 'direction.2', data: row }])).alpha).toBe(2);
    const changed = Float32Array.from(row);
    changed[5] += 0.25;
    expect(() => importControlVectorGguf(withDirections(good, [{ name: 'direction.2', data: changed }]))).toThrow(
      /direction\.2\[5\] is .* but personalab\.vector × α gives/,
    );
    const partial = exportControlVectorGguf(makePersonaVector(L + 1, H, v.data, { layer: 2 }, [3]));
    expect(() => importControlVectorGguf(withDirections(partial, [{ name: 'direction.3', data: Float32Array.from(v.data.subarray(4 * H, 5 * H)) }]))).toThrow(
      /direction\.3 steers block 3, which personalab\.vector does not hold/,
    );
  });

  it('a foreign file (no full copy) of the wrong width is refused against the model', () => {
    const foreign = writeGguf(
      [
        ['general.architecture', gv.str('controlvector')],
        ['controlvector.model_hint', gv.str('x')],
      ],
      [{ name: 'direction.2', dims: [6], data: new Float32Array(6).fill(1) }],
    );
    expect(() => importControlVectorGguf(foreign, { hidden: H, numLayers: L })).toThrow(/hidden size is 6 but the model has 8/);
  });
});

describe('safetensors and Neuronpedia: counts in the metadata must match the data', () => {
  it('a safetensors hidden_size, num_layers, layer or present_rows that contradicts the tensor is refused', () => {
    const v = sample();
    const meta = vectorMetadata(v);
    const file = (m: Record<string, string>, shape = [L + 1, H], data = v.data) => writeSafetensors({ vector: { shape, data } }, m);
    expect(importVectorSafetensors(file(meta)).hidden).toBe(H);
    expect(() => importVectorSafetensors(file({ ...meta, hidden_size: '16' }))).toThrow(/metadata hidden_size=16 but tensor "vector" is 8 wide/);
    expect(() => importVectorSafetensors(file({ ...meta, present_rows: '1,9' }))).toThrow(/present_rows names row 9, but the vector has 6 rows/);
    const one = { ...meta, layer: '7', num_layers: '5' };
    expect(() => importVectorSafetensors(file(one, [H], v.data.subarray(0, H)))).toThrow(/metadata layer=7 but num_layers=5/);
    expect(() => importVectorSafetensors(file({ ...meta, hidden_size: '4', layer: '1' }, [H], v.data.subarray(0, H)))).toThrow(
      /hidden_size=4 but tensor "vector" is 8 wide/,
    );
  });

  it('a Neuronpedia file whose persona_lab metadata contradicts its vectors is refused', () => {
    const v = sample();
    const o = JSON.parse(exportNeuronpedia(v, { rows: [1, 3] }));
    expect(importNeuronpedia(o).vector.rows).toBe(L + 1);
    expect(() => importNeuronpedia({ ...o, persona_lab: { ...o.persona_lab, hidden_size: '9' } })).toThrow(
      /persona_lab\.hidden_size says 9 but the steering vectors have 8 values/,
    );
    expect(() => importNeuronpedia({ ...o, persona_lab: { ...o.persona_lab, num_layers: '1' } })).toThrow(
      /blocks\.2\.hook_resid_post is beyond the 1 blocks persona_lab\.num_layers says/,
    );
  });

  it('tensor names and metadata keys such as "__proto__" and "constructor" stay names', () => {
    const v = sample();
    // a header written by hand: computed keys make "__proto__" an own key, as JSON.parse does
    const json = JSON.stringify({
      ['__proto__']: { dtype: 'F32', shape: [L + 1, H], data_offsets: [0, v.data.byteLength] },
      __metadata__: { constructor: 'c', hasOwnProperty: 'h', ['__proto__']: 'p', ...vectorMetadata(v) },
    });
    expect(json).toMatch(/^\{"__proto__":/);
    const header = new TextEncoder().encode(json);
    const raw = new Uint8Array(8 + header.length + v.data.byteLength);
    new DataView(raw.buffer).setBigUint64(0, BigInt(header.length), true);
    raw.set(header, 8);
    raw.set(new Uint8Array(v.data.buffer), 8 + header.length);
    const f = readSafetensors(raw);
    expect(Object.keys(f.tensors)).toEqual(['__proto__']);
    expect(f.metadata.constructor).toBe('c');
    expect(f.metadata.hasOwnProperty).toBe('h');
    const back = importVectorSafetensors(raw);
    expect(Array.from(back.data)).toEqual(Array.from(v.data));
    expect(back.meta.extra).toEqual({ constructor: 'c', hasOwnProperty: 'h', ['__proto__']: 'p' });
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    // and they survive a round trip through our own writer
    const again = importVectorSafetensors(exportVectorSafetensors(back));
    expect(again.meta.extra?.['__proto__']).toBe('p');
  });
});
