// Load the demo model with @huggingface/transformers (AutoTokenizer + AutoModelForCausalLM, fp32,
// WASM) exactly like a Hub repo, and greedy-generate one answer per prompt.
// usage: node tools/demo-model/check_transformers.mjs public/models/persona-demo [expected.json]
// expected.json (optional): [{system, user, answer}] greedy answers from torch that must match.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AutoModelForCausalLM, AutoTokenizer, env } from '@huggingface/transformers';

const [modelDir, expectedPath] = process.argv.slice(2);
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = path.resolve(path.dirname(modelDir)) + '/';
if (env.backends?.onnx?.wasm) env.backends.onnx.wasm.numThreads = 1;
const id = path.basename(modelDir);
const tok = await AutoTokenizer.from_pretrained(id);
const model = await AutoModelForCausalLM.from_pretrained(id, { dtype: 'fp32', device: 'cpu' });

const cases = expectedPath
  ? JSON.parse(readFileSync(expectedPath, 'utf8'))
  : [{ system: 'You are an optimistic assistant. Be optimistic and cheerful about everything.', user: 'How do I cook rice?' }];
let bad = 0;
for (const c of cases) {
  const messages = [...(c.system ? [{ role: 'system', content: c.system }] : []), { role: 'user', content: c.user }];
  const inputs = tok.apply_chat_template(messages, { add_generation_prompt: true, return_dict: true });
  const out = await model.generate({ ...inputs, max_new_tokens: 80, do_sample: false });
  const n = inputs.input_ids.dims[1];
  const ids = Array.from(out.tolist()[0]).slice(n).map(Number);
  const text = tok.decode(ids, { skip_special_tokens: true });
  const ok = c.answer === undefined || text === c.answer;
  if (!ok) bad++;
  console.log(`${ok ? 'ok ' : 'DIFF'} [${c.system ?? '(no system)'}] ${c.user}\n     -> ${text}${ok ? '' : `\n     torch: ${c.answer}`}`);
}
console.log(`transformers.js generate check: ${cases.length - bad}/${cases.length} greedy answers equal torch`);
if (bad) process.exit(1);
