/**
 * Can ORT-web's CPU (WASM) execution provider run a q4f16 file? Such files are float16 graphs whose
 * weight matrices are `MatMulNBits` (com.microsoft, 4-bit blocks of 32) with float16 activations
 * and scales. The float16 rest of the graph (SkipSimplifiedLayerNormalization, MultiHeadAttention,
 * RotaryEmbedding) runs on WASM in the fused fixture's tests; this checks the 4-bit kernel in
 * float16 against the same weights in float32 and against the dequantised product computed here.
 */
import { describe, expect, it } from 'vitest';
import { ProtoWriter } from './onnx/protobuf';
import { float16ToFloat32 } from './float16';
import { configureRuntime, ort } from './ort';
import { buildOnnx, TensorType } from './testing/onnxBuilder';

const K = 64;
const N = 8;
const BLOCK = 32;
const BLOCKS = K / BLOCK;

/** buildOnnx writes one default-domain opset; MatMulNBits also needs com.microsoft's. */
function withMicrosoftOpset(model: Uint8Array): Uint8Array {
  const opset = new ProtoWriter().messageField(8, new ProtoWriter().stringField(1, 'com.microsoft').varintField(2, 1)).finish();
  const out = new Uint8Array(model.length + opset.length);
  out.set(model);
  out.set(opset, model.length);
  return out;
}

/** Half-precision bits of a number exact in float16 (normal range, no rounding needed). */
function half(x: number): number {
  if (x === 0) return 0;
  const bits = new Uint32Array(new Float32Array([x]).buffer)[0];
  return ((bits >>> 16) & 0x8000) | ((((bits >>> 23) & 0xff) - 127 + 15) << 10) | ((bits >>> 13) & 0x3ff);
}

function model(elem: number, scales: number[]): Uint8Array {
  // 4-bit codes q[n][k] = (7n + 3k) mod 16, two per byte (low nibble first), zero point 8 (the default).
  const packed = new Uint8Array(N * BLOCKS * (BLOCK / 2));
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k += 2) packed[(n * K + k) / 2] = ((7 * n + 3 * k) % 16) | (((7 * n + 3 * (k + 1)) % 16) << 4);
  }
  const scaleRaw = elem === TensorType.FLOAT16 ? new Uint8Array(Uint16Array.from(scales, half).buffer) : new Uint8Array(Float32Array.from(scales).buffer);
  return withMicrosoftOpset(
    buildOnnx({
      inputs: [{ name: 'a', elemType: elem, dims: [2, K] }],
      outputs: [{ name: 'y', elemType: elem, dims: [2, N] }],
      initializers: [
        { name: 'b', dataType: TensorType.UINT8, dims: [N, BLOCKS, BLOCK / 2], raw: packed },
        { name: 'scales', dataType: elem, dims: [N * BLOCKS], raw: scaleRaw },
      ],
      nodes: [{ op: 'MatMulNBits', domain: 'com.microsoft', inputs: ['a', 'b', 'scales'], outputs: ['y'], ints: { K, N, bits: 4, block_size: BLOCK } }],
    }),
  );
}

describe('q4f16 on the WASM backend', () => {
  it('MatMulNBits with float16 activations and scales runs on the CPU provider and equals the dequantised product', async () => {
    configureRuntime({ numThreads: 1 });
    const scales = Array.from({ length: N * BLOCKS }, (_, i) => 2 ** -((i % 3) + 1)); // 0.5, 0.25, 0.125: exact in float16
    const a = Array.from({ length: 2 * K }, (_, i) => ((i % 5) - 2) / 4); // -0.5 … 0.5: exact in float16
    const expected: number[] = [];
    for (let m = 0; m < 2; m++) {
      for (let n = 0; n < N; n++) {
        let sum = 0;
        for (let k = 0; k < K; k++) sum += a[m * K + k] * ((((7 * n + 3 * k) % 16) - 8) * scales[n * BLOCKS + Math.floor(k / BLOCK)]);
        expected.push(sum);
      }
    }
    const f16 = await ort.InferenceSession.create(model(TensorType.FLOAT16, scales), { executionProviders: ['wasm'] });
    const y16 = (await f16.run({ a: new ort.Tensor('float16', Uint16Array.from(a, half), [2, K]) })).y;
    expect(y16.type).toBe('float16');
    const got16 = Array.from(float16ToFloat32(y16.data as Uint16Array));
    const f32 = await ort.InferenceSession.create(model(TensorType.FLOAT, scales), { executionProviders: ['wasm'] });
    const got32 = Array.from((await f32.run({ a: new ort.Tensor('float32', Float32Array.from(a), [2, K]) })).y.data as Float32Array);
    expect(got32).toEqual(expected);
    // The expected sums are exact in float16 (they survive the round trip), so the float16 kernel must give them exactly.
    expect(Array.from(float16ToFloat32(Uint16Array.from(expected, half)))).toEqual(expected);
    expect(got16).toEqual(expected);
    expect(expected.some((x) => x !== 0)).toBe(true);
  });
});
