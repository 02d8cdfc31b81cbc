import { describe, it, expect } from 'vitest';
import { exportVectorSafetensors, importVectorSafetensors } from './vectorFile';
import { makePersonaVector, vectorRow, vectorProblems } from './personaVector';
import { readSafetensors, writeSafetensors } from './safetensors';

function sample() {
  const rows = 4,
    hidden = 3;
  const data = Float32Array.from({ length: rows * hidden }, (_, i) => (i - 5) * 0.37);
  return makePersonaVector(rows, hidden, data, { modelId: 'org/model', trait: 'evil', readout: 'response_avg', layer: 1, extra: { note: 'hi' } });
}

describe('vectorFile', () => {
  it('round-trips a [L+1, hidden] vector bit-exactly with its metadata', () => {
    const v = sample();
    const back = importVectorSafetensors(exportVectorSafetensors(v));
    expect(back.rows).toBe(4);
    expect(back.hidden).toBe(3);
    expect(new Uint32Array(back.data.buffer)).toEqual(new Uint32Array(v.data.buffer));
    expect(back.meta).toEqual(v.meta);
    expect(back.presentRows).toBeUndefined();
  });

  it('writes the documented tensor name and metadata keys', () => {
    const f = readSafetensors(exportVectorSafetensors(sample()));
    expect(Object.keys(f.tensors)).toEqual(['vector']);
    expect(f.tensors.vector.shape).toEqual([4, 3]);
    expect(f.metadata).toMatchObject({
      convention: 'hf_hidden_states',
      model_id: 'org/model',
      trait: 'evil',
      readout: 'response_avg',
      layer: '1',
      hook: 'blocks.1.resid_post',
      num_layers: '3',
      hidden_size: '3',
      note: 'hi',
    });
  });

  it('reads a single [hidden] vector with a layer in the metadata', () => {
    const bytes = writeSafetensors({ v: { shape: [3], data: new Float32Array([1, 2, 3]) } }, { layer: '2', num_layers: '5' });
    const v = importVectorSafetensors(bytes);
    expect(v.rows).toBe(6);
    expect(Array.from(vectorRow(v, 3))).toEqual([1, 2, 3]);
    expect(Array.from(vectorRow(v, 2))).toEqual([0, 0, 0]);
    expect(v.presentRows).toEqual([3]);
    expect(v.meta.layer).toBe(2);
  });

  it('explains what is wrong with bad files', () => {
    expect(() => importVectorSafetensors(writeSafetensors({ v: { shape: [3], data: new Float32Array(3) } }))).toThrow(/has no "layer"/);
    expect(() =>
      importVectorSafetensors(writeSafetensors({ a: { shape: [1], data: new Float32Array(1) }, b: { shape: [1], data: new Float32Array(1) } })),
    ).toThrow(/no tensor named "vector".*"a", "b"/);
    expect(() => importVectorSafetensors(writeSafetensors({ vector: { shape: [1, 1, 2], data: new Float32Array(2) } }))).toThrow(/expected \[L\+1, hidden\]/);
    expect(() => importVectorSafetensors(writeSafetensors({ vector: { shape: [2, 2], data: new Float32Array([0, NaN, 0, Infinity]) } }))).toThrow(
      /2 value\(s\) are NaN or infinite \(embed\[1\] = NaN, blocks.0.resid_post\[1\] = Infinity\)/,
    );
    expect(() => importVectorSafetensors(exportVectorSafetensors(sample()), { hidden: 8 })).toThrow(/hidden size is 3 but the model has 8.*org\/model/);
    expect(() => importVectorSafetensors(exportVectorSafetensors(sample()), { numLayers: 10 })).toThrow(/11 rows are needed/);
    expect(() => importVectorSafetensors(writeSafetensors({ vector: { shape: [2, 1], data: new Float32Array(2) } }, { convention: 'tl' }))).toThrow(
      /convention "tl"/,
    );
    expect(() => importVectorSafetensors(writeSafetensors({ vector: { shape: [2, 1], data: new Float32Array(2) } }, { num_layers: '4' }))).toThrow(
      /num_layers=4/,
    );
    expect(() => importVectorSafetensors(writeSafetensors({ vector: { shape: [2, 1], data: new Float32Array(2) } }, { readout: 'mean' }))).toThrow(
      /readout "mean"/,
    );
  });

  it('refuses to export NaN', () => {
    const v = sample();
    v.data[4] = NaN;
    expect(() => exportVectorSafetensors(v)).toThrow(/NaN/);
    expect(vectorProblems(sample(), { hidden: 3, numLayers: 3 })).toEqual([]);
  });
});
