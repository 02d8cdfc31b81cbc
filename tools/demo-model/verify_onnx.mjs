// Check the exported ONNX model in onnxruntime-web (WASM, Node) against torch reference outputs.
// usage: node tools/demo-model/verify_onnx.mjs public/models/persona-demo/onnx/model.onnx tools/demo-model/work/verify_cases.json
// Prints "MAXDIFF <x>" and exits non-zero if any output differs by more than 2e-4.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';

ort.env.wasm.numThreads = 1;
const [modelPath, casesPath] = process.argv.slice(2);
const session = await ort.InferenceSession.create(readFileSync(modelPath));
const cases = JSON.parse(readFileSync(casesPath, 'utf8'));
const INT_INPUTS = new Set(['input_ids', 'attention_mask', 'position_ids']);

let worst = 0;
for (const c of cases) {
  const feeds = {};
  for (const [name, t] of Object.entries(c.feeds)) {
    feeds[name] = INT_INPUTS.has(name)
      ? new ort.Tensor('int64', BigInt64Array.from(t.data.map((v) => BigInt(v))), t.dims)
      : new ort.Tensor('float32', Float32Array.from(t.data), t.dims);
  }
  const out = await session.run(feeds);
  let caseMax = 0;
  for (const [name, t] of Object.entries(c.expect)) {
    const got = out[name];
    if (!got) throw new Error(`${c.name}: missing output ${name}`);
    if (JSON.stringify(Array.from(got.dims)) !== JSON.stringify(t.dims)) {
      throw new Error(`${c.name}: ${name} dims ${got.dims} != ${t.dims}`);
    }
    const g = got.data;
    for (let i = 0; i < t.data.length; i++) caseMax = Math.max(caseMax, Math.abs(g[i] - t.data[i]));
  }
  console.log(
    `onnx check ${c.name}: max abs diff ${caseMax.toExponential(3)} (input_ids ${c.feeds.input_ids.dims}, past ${c.feeds['past_key_values.0.key'].dims[2]})`,
  );
  worst = Math.max(worst, caseMax);
}
console.log(`MAXDIFF ${worst}`);
if (!(worst < 2e-4)) {
  console.error('ONNX output differs from torch');
  process.exit(1);
}
