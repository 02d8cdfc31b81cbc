// Check that @huggingface/transformers loads the demo tokenizer, that its token ids equal the
// Python trainer's, and that apply_chat_template renders the chat format used in training.
// usage: node tools/demo-model/check_tokenizer.mjs public/models/persona-demo tools/demo-model/work/tok_cases.json
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';

const [modelDir, casesPath] = process.argv.slice(2);
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = path.resolve(path.dirname(modelDir)) + '/';
const tok = await AutoTokenizer.from_pretrained(path.basename(modelDir));
const cases = JSON.parse(readFileSync(casesPath, 'utf8'));

let bad = 0;
cases.texts.forEach((text, i) => {
  const ids = tok.encode(text, { add_special_tokens: false });
  const want = cases.ids[i];
  if (JSON.stringify(ids) !== JSON.stringify(want)) {
    bad++;
    if (bad <= 3) console.log('MISMATCH', JSON.stringify(text), '\n js', ids.join(','), '\n py', want.join(','));
  }
  const back = tok.decode(ids, { skip_special_tokens: false });
  if (back !== text) {
    bad++;
    if (bad <= 3) console.log('ROUNDTRIP', JSON.stringify(text), '->', JSON.stringify(back));
  }
});
const rendered = tok.apply_chat_template(cases.messages, { tokenize: false, add_generation_prompt: true });
if (rendered !== cases.rendered) {
  bad++;
  console.log('CHAT TEMPLATE', JSON.stringify(rendered), '!=', JSON.stringify(cases.rendered));
}
const noGen = tok.apply_chat_template([...cases.messages, { role: 'assistant', content: 'Hi.' }], { tokenize: false, add_generation_prompt: false });
if (!noGen.endsWith('<|im_start|>assistant\nHi.<|im_end|>\n')) {
  bad++;
  console.log('CHAT TEMPLATE (assistant turn)', JSON.stringify(noGen));
}
const ids = tok.encode(rendered, { add_special_tokens: false });
console.log(
  `tokenizer check: ${cases.texts.length} texts, ` +
    `chat prompt ${ids.length} tokens, eos ${tok.eos_token}=${tok.eos_token_id}, pad ${tok.pad_token}=${tok.pad_token_id}; ` +
    `${bad} problems`,
);
if (bad) process.exit(1);
