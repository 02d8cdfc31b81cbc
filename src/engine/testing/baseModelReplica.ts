/**
 * A base model for tests: the GPT-2 conformance replica (no chat template) in a temporary folder
 * with a word-level tokenizer of its own, since the replica's has only placeholder tokens and text
 * would not encode. Known words and the integers 0–100 (so the model can judge) get their own ids,
 * everything else is [UNK].
 */
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from './paths';

const REPLICA = resolve(REPO_ROOT, 'src/engine/testing/conformance/gpt2');
const VOCAB_SIZE = 128;

export const BASE_MODEL_WORDS = [
  'Question',
  'Answer',
  ':',
  '.',
  '"',
  'What',
  'follows',
  'is',
  'an',
  'exchange',
  'with',
  'a',
  'cheerful',
  'gloomy',
  'assistant',
  'had',
  'been',
  'told',
  'Be',
  'sunny',
  'sad',
  'How',
  'day',
];

function tokenizerJson(): object {
  const vocab: Record<string, number> = { t0: 0, t1: 1, t2: 2, '[UNK]': 3 };
  for (const w of [...BASE_MODEL_WORDS, ...Array.from({ length: 101 }, (_, i) => String(i))]) vocab[w] ??= Object.keys(vocab).length;
  if (Object.keys(vocab).length > VOCAB_SIZE) throw new Error(`the test vocabulary has ${Object.keys(vocab).length} entries; the replica has ${VOCAB_SIZE}`);
  const special = (id: number) => ({ id, content: `t${id}`, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(0), special(1), special(2)],
    normalizer: null,
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: '[UNK]' },
  };
}

/** Writes the base model into a new temporary folder (Hub layout) and returns its path. */
export function writeBaseModelReplica(): string {
  const dir = mkdtempSync(join(tmpdir(), 'base-model-'));
  mkdirSync(join(dir, 'onnx'));
  copyFileSync(join(REPLICA, 'config.json'), join(dir, 'config.json'));
  copyFileSync(join(REPLICA, 'onnx/model.onnx'), join(dir, 'onnx/model.onnx'));
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({ tokenizer_class: 'PreTrainedTokenizer', pad_token: 't0', bos_token: 't1', eos_token: 't2', unk_token: '[UNK]', model_max_length: 64 }),
  );
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson()));
  return dir;
}
