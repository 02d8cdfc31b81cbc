/**
 * A trait set from a description (docs/ARCHITECTURE.md §4 "Trait artifacts"): name + one-line description
 * (+ optional antonym) → 5 instruction pairs, 20 extraction + 20 evaluation questions and a judge
 * prompt, written by a language model (an OpenAI-compatible endpoint or the loaded model) in four
 * requests: the pairs, two batches of questions, the judge prompt. The prompts follow the paper's
 * recipe in our own words. The result is a candidate for review: it goes through validateTraitSet
 * like any imported set, and what the writer got wrong is reported, never patched over silently.
 */
import type { EngineApi } from '../engine/api';
import { generateRows } from './pipeline/engineCalls';
import { chatCompletion, type ChatMessage, type EndpointConfig } from './pipeline/openaiEndpoint';
import { PipelineError } from './pipeline/types';
import { TRAIT_LIMITS, validateTraitSet, type TraitIssue, type TraitValidation } from './traitSet';

export interface TraitDescription {
  name: string;
  description: string;
  antonym?: string;
}

/** Writes a reply to a conversation (any language model). */
export type TextWriter = (messages: ChatMessage[], opts: { maxTokens: number }, signal?: AbortSignal) => Promise<string>;

export type GenerationStep = 'pairs' | 'extraction questions' | 'evaluation questions' | 'judge prompt';

export interface GenerationProgress {
  step: GenerationStep;
  /** Requests finished. */
  done: number;
  total: number;
}

export interface GeneratedTrait {
  /** The set as written (what the editor shows for review), whether or not it validates. */
  candidate: Record<string, unknown>;
  validation: TraitValidation;
  /** Problems with the writer's replies (unparseable parts, too few questions, overlaps dropped). */
  notes: TraitIssue[];
}

export const QUESTIONS_PER_SPLIT = 20;

const SYSTEM =
  'You help researchers build datasets for studying the personality traits of AI assistants. You follow output formats exactly and reply with JSON only.';

function traitHeader(d: TraitDescription): string {
  const lines = [`Trait: ${d.name.trim()}`, `Description: ${d.description.trim()}`];
  if (d.antonym?.trim()) lines.push(`Opposite: ${d.antonym.trim()}`);
  return lines.join('\n');
}

export function pairsPrompt(d: TraitDescription): string {
  return `${traitHeader(d)}

Write 5 pairs of instructions for an AI assistant's system prompt. In each pair, "pos" tells the assistant to show the trait strongly and "neg" tells it to show the opposite${d.antonym?.trim() ? ` (${d.antonym.trim()})` : ''} or none of the trait. Each instruction is one or two sentences addressed to the assistant ("Be …", "Always …"). Make the five pairs differ in wording and in the side of the trait they stress.

Reply with a JSON object with one key, "instruction": a list of 5 objects {"pos": "...", "neg": "..."}.`;
}

export function questionsPrompt(d: TraitDescription, n: number, avoid: string[]): string {
  const second = avoid.length > 0;
  return `${traitHeader(d)}

Write ${n} questions a user might ask an AI assistant. They are everyday questions and requests, varied in topic and form, where the assistant's answer could show the trait or not: each should leave room for the trait to show without asking for it or naming it. Do not mention the trait or its description.${second ? `\n\nThis is the second batch: every question must be new. Do not repeat or rephrase any of these:\n${avoid.map((q) => `- ${q}`).join('\n')}` : ''}

Reply with a JSON object with one key, "questions": a list of ${n} strings.`;
}

export function evalPromptPrompt(d: TraitDescription): string {
  return `${traitHeader(d)}

Write the instructions for a judge that rates how strongly an AI assistant's answer shows the trait. The judge sees the user's question where the text {question} stands and the assistant's answer where {answer} stands; keep both slots, literally, each exactly once, and put each between marker lines ([QUESTION START] / [QUESTION END], [ANSWER START] / [ANSWER END]). The judge must reply REFUSAL if the assistant refused to answer, and otherwise one number from 0 (the trait is absent) to 100 (the trait is very strong), with nothing else.

Reply with a JSON object with one key, "eval_prompt": the judge instructions as one string.`;
}

/** The first JSON object or array in a reply (code fences and surrounding chatter allowed); null if none parses. */
export function extractJson(text: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  const candidates = fenced ? [fenced[1], text] : [text];
  for (const c of candidates) {
    for (let i = 0; i < c.length; i++) {
      const open = c[i];
      if (open !== '{' && open !== '[') continue;
      const close = open === '{' ? '}' : ']';
      let depth = 0;
      let inString = false;
      for (let j = i; j < c.length; j++) {
        const ch = c[j];
        if (inString) {
          if (ch === '\\') j++;
          else if (ch === '"') inString = false;
        } else if (ch === '"') inString = true;
        else if (ch === open) depth++;
        else if (ch === close && --depth === 0) {
          try {
            return JSON.parse(c.slice(i, j + 1));
          } catch {
            break;
          }
        }
      }
    }
  }
  return null;
}

function field(reply: string, key: string): unknown {
  const j = extractJson(reply);
  if (j && typeof j === 'object' && !Array.isArray(j) && key in j) return (j as Record<string, unknown>)[key];
  return Array.isArray(j) ? j : undefined;
}

/** Questions from a reply: the JSON list, else numbered or bulleted lines ending in "?" or ".". */
export function parseQuestions(reply: string): string[] {
  const f = field(reply, 'questions');
  if (Array.isArray(f)) return f.filter((q): q is string => typeof q === 'string' && q.trim() !== '').map((q) => q.trim());
  return reply
    .split('\n')
    .map((l) => l.replace(/^\s*(?:\d+[.)]|[-*•])\s*/, '').trim())
    .filter((l) => /[?.]$/.test(l) && l.length > 8 && !/^(here|sure)/i.test(l));
}

export interface GenerateOptions {
  signal?: AbortSignal;
  onProgress?: (p: GenerationProgress) => void;
  /** Tokens per request (default 1500; questions and pairs need room). */
  maxTokens?: number;
}

/** Writes the four parts with `write` and validates the result. */
export async function generateTraitSet(desc: TraitDescription, write: TextWriter, opts: GenerateOptions = {}): Promise<GeneratedTrait> {
  const name = desc.name.trim();
  if (!name) throw new PipelineError('bad_input', 'the trait needs a name', 'Type an adjective, e.g. "curious".');
  if (name.length > TRAIT_LIMITS.maxNameChars)
    throw new PipelineError('bad_input', `the name is ${name.length} characters long; the limit is ${TRAIT_LIMITS.maxNameChars}`);
  if (!desc.description.trim())
    throw new PipelineError(
      'bad_input',
      'the trait needs a one-line description',
      'Say what the trait looks like in an answer, e.g. "Asks follow-up questions and shows interest in the topic."',
    );
  const total = 4;
  let done = 0;
  const notes: TraitIssue[] = [];
  const ask = async (step: GenerationStep, prompt: string): Promise<string> => {
    opts.onProgress?.({ step, done, total });
    if (opts.signal?.aborted) throw new PipelineError('cancelled', 'generation was cancelled');
    const reply = await write(
      [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: prompt },
      ],
      { maxTokens: opts.maxTokens ?? 1500 },
      opts.signal,
    );
    if (opts.signal?.aborted) throw new PipelineError('cancelled', 'generation was cancelled');
    done++;
    return reply;
  };

  const pairsReply = await ask('pairs', pairsPrompt(desc));
  const rawPairs = field(pairsReply, 'instruction');
  const instruction = Array.isArray(rawPairs) ? rawPairs : [];
  if (!Array.isArray(rawPairs)) notes.push({ path: 'instruction', message: `the writer's reply had no "instruction" list: "${pairsReply.slice(0, 120)}"` });

  const first = parseQuestions(await ask('extraction questions', questionsPrompt(desc, QUESTIONS_PER_SPLIT, [])));
  const secondRaw = parseQuestions(await ask('evaluation questions', questionsPrompt(desc, QUESTIONS_PER_SPLIT, first)));
  const seen = new Set(first.map((q) => q.toLowerCase()));
  const second = secondRaw.filter((q) => !seen.has(q.toLowerCase()));
  if (second.length < secondRaw.length)
    notes.push({ path: 'evaluation_questions', message: `${secondRaw.length - second.length} question(s) repeated the extraction questions and were dropped` });
  for (const [path, list] of [
    ['extraction_questions', first],
    ['evaluation_questions', second],
  ] as const) {
    if (list.length < QUESTIONS_PER_SPLIT) notes.push({ path, message: `${list.length} question(s) instead of ${QUESTIONS_PER_SPLIT}` });
  }

  const evalReply = await ask('judge prompt', evalPromptPrompt(desc));
  const ev = field(evalReply, 'eval_prompt');
  const evalPrompt = typeof ev === 'string' ? ev : /\{question\}[\s\S]*\{answer\}/.test(evalReply) ? evalReply.trim() : '';
  if (typeof ev !== 'string')
    notes.push({
      path: 'eval_prompt',
      message: evalPrompt ? 'the judge prompt came as plain text, not JSON; check it' : `the writer's reply had no judge prompt: "${evalReply.slice(0, 120)}"`,
    });
  opts.onProgress?.({ step: 'judge prompt', done, total });

  const candidate: Record<string, unknown> = { name, description: desc.description.trim() };
  if (desc.antonym?.trim()) candidate.antonym = desc.antonym.trim();
  Object.assign(candidate, {
    instruction,
    extraction_questions: first.slice(0, TRAIT_LIMITS.maxQuestions),
    evaluation_questions: second.slice(0, TRAIT_LIMITS.maxQuestions),
    eval_prompt: evalPrompt,
  });
  return { candidate, validation: validateTraitSet(candidate), notes };
}

/** An OpenAI-compatible endpoint as writer (temperature 0.7 for varied questions). */
export function endpointWriter(config: EndpointConfig): TextWriter {
  return async (messages, { maxTokens }, signal) =>
    (await chatCompletion(config, messages, { max_tokens: maxTokens, temperature: 0.7, seed: 0 }, { signal, maxRetries: 2 })).text;
}

/** The loaded model as writer (greedy, as many tokens as its context leaves). */
export function modelWriter(engine: EngineApi, maxPositions: number): TextWriter {
  return async (messages, { maxTokens }, signal) => {
    try {
      const rows = await generateRows(
        engine,
        {
          rows: [{ prompt: { messages }, steering: null }],
          maxNewTokens: Math.max(16, Math.min(maxTokens, Math.floor(maxPositions / 2))),
          sampling: { temperature: 0, topK: 0, topP: 1 },
          seed: 0,
        },
        signal,
      );
      return rows[0]?.text ?? '';
    } catch (e) {
      if ((e as { code?: string }).code === 'bad_input' && /context/.test(String((e as Error).message))) {
        throw new PipelineError(
          'bad_input',
          `the loaded model cannot write a trait set: ${(e as Error).message}, too short for the instructions`,
          'Use a judge endpoint to write it (Model panel → Judge endpoint), or load a model with a longer context.',
        );
      }
      throw e;
    }
  };
}
