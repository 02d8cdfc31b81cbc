/**
 * How a prompt reaches the model (docs/ARCHITECTURE.md §4 "Prompt format"), the one place that knows.
 *
 * - `chat`: a model with a chat template. A system turn (the persona's "You are a/an {name}
 *   assistant. {instruction}", or the user's own) and a user turn, rendered by the engine with the
 *   template; the reply is the assistant turn.
 * - `completion`: a base model (GPT-2, Pythia: no chat template). Everything is one plain text: a
 *   narrator's framing of the persona, then "Question: {q}\nAnswer:", and the reply is the text the
 *   model continues with, cut where it starts a new question. Free text (the Chat and Monitor panels)
 *   goes in as typed.
 *
 * Every caller asks this file for the prompt, the response text to read activations over and the
 * reply to keep; none branches on the format itself.
 */
import type { ChatMessage, PromptInput } from '../engine/api';
import { indefiniteArticle, systemPrompt, type TraitSet } from './traitSet';

export type PromptFormat = 'chat' | 'completion';
export const PROMPT_FORMATS: readonly PromptFormat[] = ['chat', 'completion'];

/** The format a model needs: `completion` when it has no chat template, unless `force` says otherwise. */
export function promptFormatOf(info: { hasChatTemplate?: boolean }, force?: PromptFormat | null): PromptFormat {
  if (force) return force;
  return info.hasChatTemplate === false ? 'completion' : 'chat';
}

/** The format of a pipeline context: its override, else from the loaded model. */
export function contextFormat(ctx: { info: { hasChatTemplate?: boolean }; promptFormat?: PromptFormat }): PromptFormat {
  return promptFormatOf(ctx.info, ctx.promptFormat);
}

/** A question put to the model, with an optional framing (a system prompt in chat). */
export interface PromptParts {
  system: string | null;
  user: string;
}

const QUESTION = 'Question: ';
const ANSWER = 'Answer:';

/**
 * The persona of one side: in chat the system prompt "You are a/an {name} assistant. {instruction}";
 * in completion a narrator's sentence about the assistant, with the instruction as what it was told.
 * The negative side names the antonym, else "helpful" (as systemPrompt does).
 */
export function personaFraming(format: PromptFormat, trait: Pick<TraitSet, 'name' | 'antonym'>, side: 'pos' | 'neg', instruction: string): string {
  if (format === 'chat') return systemPrompt(trait, side, instruction);
  const name = (side === 'pos' ? trait.name : trait.antonym || 'helpful').trim();
  const head = `What follows is an exchange with ${indefiniteArticle(name)} ${name} assistant.`;
  const rest = instruction.trim();
  return rest ? `${head} The assistant had been told: "${rest}"` : head;
}

/** The prompt of a question (rollouts, judging by the loaded model, steering evaluation, screening). */
export function questionPrompt(format: PromptFormat, parts: PromptParts): PromptInput {
  if (format === 'chat') {
    const messages: ChatMessage[] = parts.system === null ? [] : [{ role: 'system', content: parts.system }];
    messages.push({ role: 'user', content: parts.user });
    return { messages };
  }
  return { text: completionText(parts) };
}

/** The plain text of a question in completion form: framing, blank line, "Question: …", "Answer:". */
export function completionText(parts: PromptParts): string {
  const head = parts.system && parts.system.trim() ? `${parts.system.trim()}\n\n` : '';
  return `${head}${QUESTION}${parts.user.trim()}\n${ANSWER}`;
}

/**
 * A free-text prompt (the Chat and Monitor panels): in chat the conversation so far (system prompt,
 * earlier turns) and the new user message; in completion only the text as typed, which the model
 * continues (no system prompt, no earlier turns).
 */
export function freeTextPrompt(format: PromptFormat, system: string | null, history: ChatMessage[], user: string): PromptInput {
  if (format === 'completion') return { text: user };
  const messages: ChatMessage[] = system && system.trim() ? [{ role: 'system', content: system.trim() }] : [];
  messages.push(...history, { role: 'user', content: user });
  return { messages };
}

/** The response text appended to a question prompt to read activations over ("Answer:" is followed by a space). */
export function responseText(format: PromptFormat, response: string): string {
  return format === 'completion' && response && !/^\s/.test(response) ? ` ${response}` : response;
}

/** The reply kept from a generation: in completion the continuation up to where the model starts a new question. */
export function replyOf(format: PromptFormat, generated: string): string {
  if (format === 'chat') return generated.trim();
  const cut = generated.search(/\n\s*Question:/);
  return (cut < 0 ? generated : generated.slice(0, cut)).trim();
}

/** One sentence for the UI where a base model's output differs from the chat case. */
export const COMPLETION_NOTES = {
  chat: 'Base model (no chat template): the prompt is plain text and the reply continues it; no system prompt or earlier turns.',
  traits:
    'Base model (no chat template): each instruction becomes a narrator’s framing before “Question: … Answer:”, and replies are cut where a new question starts.',
  monitor: 'Base model (no chat template): the prompt is read as plain text, not as a chat turn.',
  screen: 'Base model (no chat template): each sample is read as “Question: {prompt} Answer: {response}” after the framing.',
} as const;
