import { describe, it, expect } from 'vitest';
import { exportNeuronpedia, importNeuronpedia, rowOfTlHook, tlHookOfRow, toNeuronpedia } from './neuronpedia';
import { makePersonaVector, vectorRow } from './personaVector';

const L = 3,
  H = 4;
function sample(layer?: number) {
  const data = Float32Array.from({ length: (L + 1) * H }, (_, i) => Math.fround(Math.cos(i) / 3));
  return makePersonaVector(L + 1, H, data, { modelId: 'org/m', trait: 'humorous', readout: 'prompt_avg', layer });
}

describe('Neuronpedia steering JSON', () => {
  it('names hooks in TransformerLens vocabulary', () => {
    expect(tlHookOfRow(0)).toBe('blocks.0.hook_resid_pre');
    expect(tlHookOfRow(3)).toBe('blocks.2.hook_resid_post');
    expect(rowOfTlHook('blocks.2.hook_resid_post')).toBe(3);
    expect(rowOfTlHook('blocks.3.hook_resid_pre')).toBe(3);
    expect(() => rowOfTlHook('blocks.1.hook_mlp_out')).toThrow(/not a residual-stream hook/);
  });

  it('exports the chosen layer with strength and hook', () => {
    const j = toNeuronpedia(sample(1), { strength: 4 });
    expect(j.vectors).toHaveLength(1);
    expect(j.vectors[0].hook).toBe('blocks.1.hook_resid_post');
    expect(j.vectors[0].strength).toBe(4);
    expect(j.vectors[0].steering_vector).toEqual(Array.from(vectorRow(sample(), 2)));
    expect(j.persona_lab).toMatchObject({ trait: 'humorous', layer: '1' });
  });

  it('round-trips every row bit-exactly through JSON text', () => {
    const v = sample(2);
    const text = exportNeuronpedia(v, { rows: [0, 1, 2, 3] });
    const r = importNeuronpedia(text);
    expect(r.vector.rows).toBe(4);
    expect(r.vector.presentRows).toBeUndefined();
    expect(new Uint32Array(r.vector.data.buffer)).toEqual(new Uint32Array(v.data.buffer));
    expect(r.vector.meta).toEqual(v.meta);
    expect(r.strengths).toEqual({ 0: 1, 1: 1, 2: 1, 3: 1 });
  });

  it('imports plain files; resid_pre of l is row l; same-row entries sum by relative strength', () => {
    const r = importNeuronpedia(
      {
        vectors: [
          { steering_vector: [1, 0], strength: 2, hook: 'blocks.2.hook_resid_pre' },
          { steering_vector: [0, 1], strength: 4, hook: 'blocks.1.hook_resid_post' },
        ],
      },
      { numLayers: 4 },
    );
    expect(r.vector.rows).toBe(5);
    expect(Array.from(vectorRow(r.vector, 2))).toEqual([1, 2]);
    expect(r.vector.presentRows).toEqual([2]);
    expect(r.strengths).toEqual({ 2: 2 });
  });

  it('reports broken files precisely', () => {
    expect(() => importNeuronpedia('{')).toThrow(/not valid JSON/);
    expect(() => importNeuronpedia({})).toThrow(/"vectors" array/);
    expect(() => importNeuronpedia({ vectors: [] })).toThrow(/empty/);
    expect(() => importNeuronpedia({ vectors: [{ steering_vector: [1, 'x'], hook: 'blocks.0.hook_resid_post' }] })).toThrow(
      /vectors\[0\]\.steering_vector\[1\] is "x"/,
    );
    expect(() =>
      importNeuronpedia({
        vectors: [
          { steering_vector: [1], hook: 'blocks.0.hook_resid_post' },
          { steering_vector: [1, 2], hook: 'blocks.1.hook_resid_post' },
        ],
      }),
    ).toThrow(/vectors\[1\]\.steering_vector has 2 values/);
    expect(() => importNeuronpedia({ vectors: [{ steering_vector: [1], hook: 'h' }] })).toThrow(/vectors\[0\]: hook "h"/);
    expect(() => importNeuronpedia({ vectors: [{ steering_vector: [1], hook: 'blocks.0.hook_resid_post' }] }, { hidden: 2 })).toThrow(
      /hidden size is 1 but the model has 2/,
    );
  });
});
