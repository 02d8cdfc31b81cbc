/** Tokenizer and chat template through transformers.js, built from files we already fetched. */
import * as transformers from '@huggingface/transformers';
import { EngineError } from './errors';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface Tokenizer {
  encode(text: string, addSpecialTokens?: boolean): number[];
  decode(ids: number[], skipSpecialTokens?: boolean): string;
  /** Token ids of a chat rendered with the model's template (generation prompt appended). */
  chat(messages: ChatMessage[], addGenerationPrompt?: boolean): number[];
  /** The chat rendered as text. */
  chatText(messages: ChatMessage[], addGenerationPrompt?: boolean): string;
  readonly hasChatTemplate: boolean;
  readonly eosTokenIds: number[];
  readonly padTokenId: number;
}

type TokenizerClass = new (json: object, config: object) => transformers.PreTrainedTokenizer;

export function buildTokenizer(tokenizerJson: object, tokenizerConfig: Record<string, unknown>, chatTemplate: string | null): Tokenizer {
  const config = { ...tokenizerConfig };
  if (chatTemplate && !config.chat_template) config.chat_template = chatTemplate;
  const className = String(config.tokenizer_class ?? 'PreTrainedTokenizer').replace(/Fast$/, '');
  const exported = (transformers as unknown as Record<string, unknown>)[className];
  const Cls = (typeof exported === 'function' ? exported : transformers.PreTrainedTokenizer) as TokenizerClass;
  let tok: transformers.PreTrainedTokenizer;
  try {
    tok = new Cls(tokenizerJson, config);
  } catch (e) {
    throw new EngineError('bad_model', `tokenizer.json could not be read: ${e instanceof Error ? e.message : e}`);
  }
  const template = (tok as unknown as { chat_template?: unknown }).chat_template;
  const eos = (tok as unknown as { eos_token_id?: number }).eos_token_id;
  const pad = (tok as unknown as { pad_token_id?: number }).pad_token_id;
  const render = (messages: ChatMessage[], addGenerationPrompt: boolean, tokenize: boolean) => {
    if (!template) {
      // No template: a plain transcript, so base models remain usable.
      const text = messages.map((m) => `${m.role}: ${m.content}`).join('\n') + (addGenerationPrompt ? '\nassistant:' : '');
      return tokenize ? tok.encode(text) : text;
    }
    const out = tok.apply_chat_template(messages, {
      tokenize,
      add_generation_prompt: addGenerationPrompt,
      return_tensor: false,
      return_dict: false,
    }) as unknown;
    if (tokenize && out && typeof out === 'object' && !Array.isArray(out)) return (out as { input_ids: number[] }).input_ids;
    return out as string | number[];
  };
  return {
    encode: (text, addSpecialTokens = true) => tok.encode(text, { add_special_tokens: addSpecialTokens }),
    decode: (ids, skipSpecialTokens = true) => tok.decode(ids, { skip_special_tokens: skipSpecialTokens }),
    chat: (messages, addGenerationPrompt = true) => render(messages, addGenerationPrompt, true) as number[],
    chatText: (messages, addGenerationPrompt = true) => render(messages, addGenerationPrompt, false) as string,
    hasChatTemplate: Boolean(template),
    eosTokenIds: eos === undefined || eos === null ? [] : [eos],
    padTokenId: pad ?? eos ?? 0,
  };
}
