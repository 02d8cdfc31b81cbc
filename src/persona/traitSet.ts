/**
 * Trait sets (docs/ARCHITECTURE.md §4 "Trait artifacts"): the paper's JSON
 *   {"instruction": [{"pos", "neg"} ×5], "questions": [...], "eval_prompt": "..."}
 * plus our fields: name, description, antonym, extraction_questions, evaluation_questions.
 * The validator never throws: it returns the typed set or a list of precise errors.
 */
import { COUNT_LIMITS, MAX_TRAIT_FILE_BYTES, TEXT_LIMITS } from './limits';

export interface InstructionPair {
  pos: string;
  neg: string;
}

export interface TraitSet {
  /** Trait adjective used in the system prompt, e.g. "evil". */
  name: string;
  description: string;
  /** Opposite adjective for the negative side's system prompt; "helpful" when absent. */
  antonym?: string;
  instruction: InstructionPair[];
  extraction_questions: string[];
  evaluation_questions: string[];
  /** Judge prompt with {question} and {answer} slots; asks for REFUSAL or a 0–100 score. */
  eval_prompt: string;
}

export interface TraitIssue {
  /** JSON path of the offending field, e.g. "instruction[2].neg". */
  path: string;
  message: string;
}

export type TraitValidation = { ok: true; value: TraitSet; warnings: TraitIssue[] } | { ok: false; errors: TraitIssue[]; warnings: TraitIssue[] };

/** The lab's limits (src/persona/limits.ts) as this format applies them. */
export const TRAIT_LIMITS = {
  maxStringChars: TEXT_LIMITS.traitText,
  maxNameChars: TEXT_LIMITS.traitName,
  maxFileBytes: MAX_TRAIT_FILE_BYTES,
  maxInstructions: COUNT_LIMITS.traitInstructions,
  maxQuestions: COUNT_LIMITS.traitQuestions,
  expectedInstructions: 5,
};

/** What to do when a file is not a trait set at all. */
export const TRAIT_FILE_HINT =
  'A trait file holds one trait set — {"name", "instruction": [{"pos", "neg"}, …], "questions": […], "eval_prompt"} — or a list of them; "Export" on a trait in the Traits panel writes one to start from.';

const KNOWN_FIELDS = new Set(['name', 'description', 'antonym', 'instruction', 'questions', 'extraction_questions', 'evaluation_questions', 'eval_prompt']);

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x === 'object' ? 'an object' : typeof x;
}

class Checker {
  errors: TraitIssue[] = [];
  warnings: TraitIssue[] = [];
  err(path: string, message: string) {
    if (this.errors.length < 100) this.errors.push({ path, message });
  }
  str(x: unknown, path: string, { optional = false, max = TRAIT_LIMITS.maxStringChars as number, allowEmpty = false } = {}): string | undefined {
    if (x === undefined && optional) return undefined;
    if (typeof x !== 'string') {
      this.err(path, x === undefined ? 'is missing' : `must be a string, got ${describe(x)}`);
      return undefined;
    }
    if (!allowEmpty && x.trim() === '') this.err(path, 'must not be empty');
    else if (x.length > max) this.err(path, `is ${x.length} characters long; the limit is ${max}`);
    return x;
  }
  strList(x: unknown, path: string): string[] | undefined {
    if (!Array.isArray(x)) {
      this.err(path, x === undefined ? 'is missing' : `must be an array of strings, got ${describe(x)}`);
      return undefined;
    }
    if (x.length === 0) this.err(path, 'must contain at least one question');
    if (x.length > TRAIT_LIMITS.maxQuestions) this.err(path, `has ${x.length} entries; the limit is ${TRAIT_LIMITS.maxQuestions}`);
    const out: string[] = [];
    x.slice(0, TRAIT_LIMITS.maxQuestions).forEach((q, i) => {
      const s = this.str(q, `${path}[${i}]`);
      if (s !== undefined) out.push(s);
    });
    return out;
  }
}

/** What a JSON object that is not a trait set seems to be, when it is one of the lab's other files. */
function notATraitSet(o: Record<string, unknown>): string | null {
  if (o.format === 'persona-lab-archive') return 'it is a lab file: use "Import lab…" in the Presets panel';
  if (o.format === 'persona-lab-presets') return 'it is a presets file: use "Import…" above the presets list in the Presets panel';
  if (Array.isArray(o.vectors)) return 'it looks like a vector file: use "Import vector" under the trait\'s vector';
  return null;
}

/** Split a plain question list: first half for extraction, second half for evaluation. */
export function splitQuestions(questions: string[]): { extraction: string[]; evaluation: string[] } {
  const half = Math.ceil(questions.length / 2);
  return { extraction: questions.slice(0, half), evaluation: questions.slice(half) };
}

/**
 * Check an untrusted value (parsed JSON) and return the trait set or every problem found.
 * Accepts the paper's plain format: `questions` alone is split in half (20/20 for 40).
 * `fallbackName` names sets that carry no `name` (e.g. the file name).
 */
export function validateTraitSet(input: unknown, fallbackName?: string): TraitValidation {
  const c = new Checker();
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: [{ path: '', message: `a trait set must be a JSON object, got ${describe(input)}. ${TRAIT_FILE_HINT}` }], warnings: [] };
  }
  const o = input as Record<string, unknown>;
  const own = Object.keys(o);
  if (!own.some((k) => KNOWN_FIELDS.has(k))) {
    const looksLike = notATraitSet(o);
    return {
      ok: false,
      errors: [
        {
          path: '',
          message: `this is not a trait set${looksLike ? ` (${looksLike})` : ''}: it has none of the fields name, instruction, questions, eval_prompt${
            own.length
              ? ` (it has ${own
                  .slice(0, 5)
                  .map((k) => JSON.stringify(k.slice(0, 40)))
                  .join(', ')}${own.length > 5 ? ', …' : ''})`
              : ''
          }. ${TRAIT_FILE_HINT}`,
        },
      ],
      warnings: [],
    };
  }
  let size = 0;
  try {
    size = new TextEncoder().encode(JSON.stringify(o)).length;
  } catch {
    c.err('', 'is not serialisable as JSON');
  }
  if (size > TRAIT_LIMITS.maxFileBytes) c.err('', `is ${size} bytes; the limit is ${TRAIT_LIMITS.maxFileBytes}`);
  for (const k of Object.keys(o)) if (!KNOWN_FIELDS.has(k)) c.warnings.push({ path: k, message: 'unknown field, ignored' });

  const name =
    o.name === undefined && fallbackName !== undefined
      ? c.str(fallbackName, 'name', { max: TRAIT_LIMITS.maxNameChars })
      : c.str(o.name, 'name', { max: TRAIT_LIMITS.maxNameChars });
  const description = c.str(o.description, 'description', { optional: true, allowEmpty: true }) ?? '';
  const antonym = c.str(o.antonym, 'antonym', { optional: true, max: TRAIT_LIMITS.maxNameChars });

  const instruction: InstructionPair[] = [];
  if (!Array.isArray(o.instruction)) {
    c.err('instruction', o.instruction === undefined ? 'is missing' : `must be an array of {"pos", "neg"} pairs, got ${describe(o.instruction)}`);
  } else {
    if (o.instruction.length === 0) c.err('instruction', 'must contain at least one {"pos", "neg"} pair');
    if (o.instruction.length > TRAIT_LIMITS.maxInstructions)
      c.err('instruction', `has ${o.instruction.length} pairs; the limit is ${TRAIT_LIMITS.maxInstructions}`);
    else if (o.instruction.length !== TRAIT_LIMITS.expectedInstructions && o.instruction.length > 0) {
      c.warnings.push({ path: 'instruction', message: `has ${o.instruction.length} pairs; the paper uses ${TRAIT_LIMITS.expectedInstructions}` });
    }
    o.instruction.slice(0, TRAIT_LIMITS.maxInstructions).forEach((p, i) => {
      if (typeof p !== 'object' || p === null || Array.isArray(p)) {
        c.err(`instruction[${i}]`, `must be an object {"pos", "neg"}, got ${describe(p)}`);
        return;
      }
      const pos = c.str((p as Record<string, unknown>).pos, `instruction[${i}].pos`);
      const neg = c.str((p as Record<string, unknown>).neg, `instruction[${i}].neg`);
      if (pos !== undefined && neg !== undefined) instruction.push({ pos, neg });
    });
  }

  let extraction: string[] | undefined;
  let evaluation: string[] | undefined;
  if (o.extraction_questions !== undefined || o.evaluation_questions !== undefined) {
    extraction = c.strList(o.extraction_questions, 'extraction_questions');
    evaluation = c.strList(o.evaluation_questions, 'evaluation_questions');
  } else if (o.questions !== undefined) {
    const all = c.strList(o.questions, 'questions');
    if (all && all.length === 1) c.err('questions', 'needs at least two questions (one for extraction, one for evaluation)');
    if (all) ({ extraction, evaluation } = splitQuestions(all));
  } else {
    c.err('questions', 'is missing: give "questions" or "extraction_questions" and "evaluation_questions"');
  }
  if (extraction && evaluation) {
    const ex = new Set(extraction.map((q) => q.trim()));
    evaluation.forEach((q, i) => {
      if (ex.has(q.trim())) c.err(`evaluation_questions[${i}]`, 'also appears in extraction_questions; held-out questions must not overlap');
    });
  }

  const evalPrompt = c.str(o.eval_prompt, 'eval_prompt');
  if (evalPrompt !== undefined) {
    for (const slot of ['{question}', '{answer}']) if (!evalPrompt.includes(slot)) c.err('eval_prompt', `must contain the ${slot} slot`);
  }

  if (c.errors.length > 0 || name === undefined || evalPrompt === undefined || !extraction || !evaluation) {
    return { ok: false, errors: c.errors.length ? c.errors : [{ path: '', message: 'invalid trait set' }], warnings: c.warnings };
  }
  const value: TraitSet = {
    name: name.trim(),
    description,
    instruction,
    extraction_questions: extraction,
    evaluation_questions: evaluation,
    eval_prompt: evalPrompt,
  };
  if (antonym !== undefined && antonym.trim() !== '') value.antonym = antonym.trim();
  return { ok: true, value, warnings: c.warnings };
}

/** Parse and validate trait-set JSON text (size-checked before parsing). */
export function importTraitSet(text: string, fallbackName?: string): TraitValidation {
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > TRAIT_LIMITS.maxFileBytes) {
    return { ok: false, errors: [{ path: '', message: `file is ${bytes} bytes; the limit is ${TRAIT_LIMITS.maxFileBytes}` }], warnings: [] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { ok: false, errors: [{ path: '', message: `not valid JSON (${(e as Error).message})` }], warnings: [] };
  }
  return validateTraitSet(parsed, fallbackName);
}

/** JSON text holding both the paper's fields (`questions` = extraction + evaluation) and ours. */
export function exportTraitSet(t: TraitSet): string {
  const out: Record<string, unknown> = { name: t.name, description: t.description };
  if (t.antonym !== undefined) out.antonym = t.antonym;
  out.instruction = t.instruction.map((p) => ({ pos: p.pos, neg: p.neg }));
  out.questions = [...t.extraction_questions, ...t.evaluation_questions];
  out.extraction_questions = t.extraction_questions;
  out.evaluation_questions = t.evaluation_questions;
  out.eval_prompt = t.eval_prompt;
  return JSON.stringify(out, null, 2);
}

const AN_EXCEPTIONS = /^(honest|honou?r|hour|heir)/i;
const A_EXCEPTIONS = /^(uni|use|usu|uti|ure|eu|one|once|ubiq)/i;

/** "a" or "an" for a word, by its first sound (a small rule set: vowels, silent h, "you"/"one" sounds). */
export function indefiniteArticle(word: string): 'a' | 'an' {
  const w = word.trim();
  if (AN_EXCEPTIONS.test(w)) return 'an';
  if (A_EXCEPTIONS.test(w)) return 'a';
  return /^[aeiou]/i.test(w) ? 'an' : 'a';
}

/**
 * The system prompt of docs/ARCHITECTURE.md §4 "Prompt format": "You are a/an {name} assistant. {instruction}".
 * The positive side uses the trait name; the negative side the antonym, else "helpful".
 */
export function systemPrompt(trait: Pick<TraitSet, 'name' | 'antonym'>, side: 'pos' | 'neg', instruction: string): string {
  const name = (side === 'pos' ? trait.name : trait.antonym || 'helpful').trim();
  const head = `You are ${indefiniteArticle(name)} ${name} assistant.`;
  const rest = instruction.trim();
  return rest ? `${head} ${rest}` : head;
}

/** Fill a judge prompt's {question} and {answer} slots (every occurrence, no other substitution). */
export function fillJudgePrompt(evalPrompt: string, question: string, answer: string): string {
  return evalPrompt.replace(/\{question\}|\{answer\}/g, (m) => (m === '{question}' ? question : answer));
}
