/**
 * Per-token forward time, instrumented (steer = 0) vs original, on a synthetic decoder of realistic
 * width (no attention, no KV cache: two [H, H] MatMul branches per block added into the residual
 * chain). Shows how the fixed cost of the added nodes compares with a wider model's compute.
 */
import { ort } from '../src/engine/ort';
import { instrumentModel, STEER_INPUT, STEER_POSITIONS_INPUT, LOGITS_LAST_OUTPUT } from '../src/engine/onnx/instrument';
import { syntheticDecoder } from './instrumentMemory';
import { interleaved } from './timing';

export interface SyntheticForwardResult {
  layers: number;
  hidden: number;
  originalMs: number;
  instrumentedMs: number;
  /** The same instrumentation with every weight copied inline instead of read from the original bytes. */
  inlineWeightsMs: number;
}

export async function syntheticForwardBench(layers = 8, hidden = 1024, vocab = 4096, runs = 21): Promise<SyntheticForwardResult> {
  const bytes = syntheticDecoder(layers, hidden, vocab);
  const inst = instrumentModel(bytes, { numLayers: layers });
  const inline = instrumentModel(bytes, { numLayers: layers, externalizeAbove: Infinity });
  const options = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' } as const;
  const original = await ort.InferenceSession.create(bytes, options);
  const instrumented = await ort.InferenceSession.create(inst.model, { ...options, externalData: inst.externalData });
  const inlined = await ort.InferenceSession.create(inline.model, options);
  const ids = new ort.Tensor('int64', BigInt64Array.from([42n]), [1, 1]);
  const extra = {
    [STEER_INPUT]: new ort.Tensor('float32', new Float32Array(layers * hidden), [1, layers, hidden]),
    [STEER_POSITIONS_INPUT]: new ort.Tensor('float32', new Float32Array([1]), [1, 1]),
  };
  const t = await interleaved(
    {
      original: () => original.run({ input_ids: ids }),
      instrumented: () => instrumented.run({ input_ids: ids, ...extra }, [LOGITS_LAST_OUTPUT]),
      inlined: () => inlined.run({ input_ids: ids, ...extra }, [LOGITS_LAST_OUTPUT]),
    },
    runs,
  );
  await inlined.release();
  await original.release();
  await instrumented.release();
  return { layers, hidden, originalMs: t.original, instrumentedMs: t.instrumented, inlineWeightsMs: t.inlined };
}
