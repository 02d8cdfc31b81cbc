// Runs a replica's ONNX file directly in onnxruntime-web (Node, WASM) and prints the largest logits
// difference from its torch reference. usage: node tools/conformance/check_raw.mjs <folder> [variant]
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';

ort.env.wasm.numThreads = 1;
const [dir, variant = 'model'] = process.argv.slice(2);
const session = await ort.InferenceSession.create(readFileSync(`${dir}/onnx/${variant}.onnx`));
const ref = JSON.parse(readFileSync(`${dir}/reference_${variant}.json`, 'utf8'));
const st = readFileSync(`${dir}/reference_${variant}.safetensors`);
const n = Number(st.readBigUInt64LE(0));
const header = JSON.parse(st.subarray(8, 8 + n).toString());
const logitsInfo = header.logits;
const base = 8 + n + logitsInfo.data_offsets[0];
const expected = new Float32Array(st.buffer.slice(st.byteOffset + base, st.byteOffset + base + logitsInfo.data_offsets[1] - logitsInfo.data_offsets[0]));
const T = ref.ids.length;
const i64 = (a) => new ort.Tensor('int64', BigInt64Array.from(a, BigInt), [1, a.length]);
const feeds = { input_ids: i64(ref.ids), attention_mask: i64(ref.ids.map(() => 1)) };
if (session.inputNames.includes('position_ids')) feeds.position_ids = i64(ref.ids.map((_, i) => i));
for (const meta of session.inputMetadata.filter((m) => m.name.startsWith('past_'))) {
  // KV caches start empty (symbolic dims 0); conv states start as zeros of their declared width.
  const dims = meta.shape.map((d, i) => (i === 0 ? 1 : typeof d === 'number' ? d : 0));
  feeds[meta.name] = new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
}
const out = await session.run(feeds);
let worst = 0;
for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(out.logits.data[i] - expected[i]));
console.log(`${dir} ${variant}: logits ${out.logits.dims} max abs diff ${worst.toExponential(3)} (T=${T})`);
