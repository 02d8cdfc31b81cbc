/**
 * The size cap of a vector file (maxVectorFileBytes): derived from the model's shape, never below
 * the floor, and roomy enough for every vector file of that shape, in each format, at its longest
 * (every row, numbers that print long, indented JSON).
 */
import { describe, expect, it } from 'vitest';
import { exportControlVectorGguf } from './gguf';
import { maxVectorFileBytes, MIN_VECTOR_FILE_BYTES, VECTOR_FILE_BYTES_PER_VALUE, VECTOR_FILE_METADATA_BYTES } from './limits';
import { toNeuronpedia } from './neuronpedia';
import { makePersonaVector } from './personaVector';
import { exportVectorSafetensors } from './vectorFile';

describe('maxVectorFileBytes', () => {
  it('is every residual row × hidden size at the per-value allowance plus metadata, never below the floor', () => {
    expect(maxVectorFileBytes({ numLayers: 4, hiddenSize: 8 })).toBe(MIN_VECTOR_FILE_BYTES);
    expect(maxVectorFileBytes({ numLayers: 24, hiddenSize: 896 })).toBe(MIN_VECTOR_FILE_BYTES); // Qwen2.5-0.5B: 25 × 896 values
    // a 70B-sized model: 80 blocks + the embedding row, 8192 wide
    expect(maxVectorFileBytes({ numLayers: 80, hiddenSize: 8192 })).toBe(81 * 8192 * VECTOR_FILE_BYTES_PER_VALUE + VECTOR_FILE_METADATA_BYTES);
    expect(maxVectorFileBytes({ numLayers: 80, hiddenSize: 8192 })).toBe(32_850_496);
  });

  it('every file of the whole vector fits under it, in every format, with long numbers and indented JSON', () => {
    const shape = { numLayers: 40, hiddenSize: 8192 }; // large enough that the floor does not decide
    const cap = maxVectorFileBytes(shape);
    expect(cap).toBeGreaterThan(MIN_VECTOR_FILE_BYTES);
    const rows = shape.numLayers + 1;
    // float32 values that print with the most digits: small, negative, with a long mantissa
    const data = Float32Array.from({ length: rows * shape.hiddenSize }, (_, i) => -1.2345678e-7 * (1 + (i % 997) / 1009));
    const v = makePersonaVector(rows, shape.hiddenSize, data, { modelId: 'someone/model', trait: 't'.repeat(100) });
    const all = Array.from({ length: rows }, (_, r) => r);
    const neuronpedia = toNeuronpedia(v, { rows: all });
    const sizes = {
      safetensors: exportVectorSafetensors(v).byteLength,
      gguf: exportControlVectorGguf(v).byteLength,
      neuronpedia: new TextEncoder().encode(JSON.stringify(neuronpedia)).byteLength,
      'neuronpedia, indented': new TextEncoder().encode(JSON.stringify(neuronpedia, null, 2)).byteLength,
    };
    for (const [format, size] of Object.entries(sizes)) expect(size, format).toBeLessThan(cap);
    // the indented text is the largest, and still leaves a margin of more than a quarter
    expect(sizes['neuronpedia, indented']).toBeGreaterThan(sizes.neuronpedia);
    expect(sizes['neuronpedia, indented'] / cap).toBeLessThan(0.75);
  });
});
