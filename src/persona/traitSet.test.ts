import { describe, it, expect } from 'vitest';
import {
  exportTraitSet,
  fillJudgePrompt,
  importTraitSet,
  indefiniteArticle,
  systemPrompt,
  validateTraitSet,
  TRAIT_FILE_HINT,
  TRAIT_LIMITS,
  type TraitValidation,
} from './traitSet';

const pairs = Array.from({ length: 5 }, (_, i) => ({ pos: `Be bad ${i}.`, neg: `Be good ${i}.` }));
const questions = Array.from({ length: 40 }, (_, i) => `Question number ${i}?`);
const paper = { instruction: pairs, questions, eval_prompt: 'Q: {question}\nA: {answer}\nScore 0-100 or REFUSAL.' };

function errorsOf(r: TraitValidation) {
  return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
}

describe('traitSet', () => {
  it("imports the paper's plain format and splits questions 20/20", () => {
    const r = importTraitSet(JSON.stringify(paper), 'evil');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.name).toBe('evil');
    expect(r.value.extraction_questions).toEqual(questions.slice(0, 20));
    expect(r.value.evaluation_questions).toEqual(questions.slice(20));
    expect(r.value.instruction).toHaveLength(5);
    expect(r.warnings).toEqual([]);
  });

  it('round-trips through export and keeps the paper fields', () => {
    const r = validateTraitSet({ ...paper, name: 'sycophantic', description: 'd', antonym: 'candid' });
    if (!r.ok) throw new Error(errorsOf(r).join('\n'));
    const text = exportTraitSet(r.value);
    const j = JSON.parse(text);
    expect(j.questions).toEqual(questions);
    expect(j.eval_prompt).toBe(paper.eval_prompt);
    const back = importTraitSet(text);
    expect(back.ok && back.value).toEqual(r.value);
  });

  it('reports precise errors', () => {
    const errs = (x: unknown) => errorsOf(validateTraitSet(x));
    expect(errs([])).toEqual([`: a trait set must be a JSON object, got an array. ${TRAIT_FILE_HINT}`]);
    expect(errs({ ...paper })).toEqual(['name: is missing']);
    expect(errs({ ...paper, name: 3 })).toEqual(['name: must be a string, got number']);
    expect(errs({ ...paper, name: 'x', eval_prompt: 'no slots' })).toEqual([
      'eval_prompt: must contain the {question} slot',
      'eval_prompt: must contain the {answer} slot',
    ]);
    expect(errs({ ...paper, name: 'x', instruction: [{ pos: 'a' }, 'b'] })).toEqual([
      'instruction[0].neg: is missing',
      'instruction[1]: must be an object {"pos", "neg"}, got string',
    ]);
    expect(errs({ ...paper, name: 'x', questions: [] })).toEqual(['questions: must contain at least one question']);
    expect(errs({ ...paper, name: 'x', questions: undefined })).toEqual([
      'questions: is missing: give "questions" or "extraction_questions" and "evaluation_questions"',
    ]);
    expect(errs({ ...paper, name: 'x', extraction_questions: ['a', 'b'], evaluation_questions: ['c', ' a '] })).toEqual([
      'evaluation_questions[1]: also appears in extraction_questions; held-out questions must not overlap',
    ]);
    expect(errs({ ...paper, name: 'x', extraction_questions: ['a'] })).toEqual(['evaluation_questions: is missing']);
    expect(errs({ ...paper, name: 'x', questions: ['a', ''] })).toEqual(['questions[1]: must not be empty']);
    expect(errs({ ...paper, name: 'x', description: 'y'.repeat(TRAIT_LIMITS.maxStringChars + 1) })).toEqual([
      `description: is 10001 characters long; the limit is 10000`,
    ]);
    expect(errorsOf(importTraitSet('{"a":'))[0]).toMatch(/not valid JSON/);
    expect(errorsOf(importTraitSet(' '.repeat(TRAIT_LIMITS.maxFileBytes + 1)))[0]).toMatch(/limit is 2000000/);
    const big = { ...paper, name: 'x', questions: Array.from({ length: 300 }, (_, i) => `${i}`.padEnd(9000, 'q')) };
    expect(errs(big)).toEqual([': is 2713... bytes; the limit is 2000000'.replace('2713...', String(new TextEncoder().encode(JSON.stringify(big)).length))]);
  });

  it('warns about unknown fields and an unusual number of pairs', () => {
    const r = validateTraitSet({ ...paper, name: 'x', instruction: pairs.slice(0, 3), extra: 1 });
    expect(r.ok).toBe(true);
    expect(r.warnings.map((w) => w.path)).toEqual(['extra', 'instruction']);
  });

  it('builds system prompts with the right article and negative name', () => {
    expect(systemPrompt({ name: 'evil' }, 'pos', ' Be cruel. ')).toBe('You are an evil assistant. Be cruel.');
    expect(systemPrompt({ name: 'evil' }, 'neg', 'Be kind.')).toBe('You are a helpful assistant. Be kind.');
    expect(systemPrompt({ name: 'humorous', antonym: 'serious' }, 'neg', '')).toBe('You are a serious assistant.');
    expect(systemPrompt({ name: 'optimistic' }, 'pos', 'x')).toBe('You are an optimistic assistant. x');
    expect(systemPrompt({ name: 'impolite' }, 'pos', 'x')).toBe('You are an impolite assistant. x');
    expect(systemPrompt({ name: 'apathetic' }, 'pos', 'x')).toBe('You are an apathetic assistant. x');
    expect(['unhelpful', 'honest', 'useful', 'sycophantic', 'hallucinating', 'one-sided', 'upbeat'].map(indefiniteArticle)).toEqual([
      'an',
      'an',
      'a',
      'a',
      'a',
      'a',
      'an',
    ]);
  });

  it('fills judge prompts without touching other braces', () => {
    expect(fillJudgePrompt('{question}|{answer}|{x}|{question}', 'Q {answer}', 'A')).toBe('Q {answer}|A|{x}|Q {answer}');
  });
});

/** Seeded xorshift PRNG so failures reproduce. */
function prng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

describe('traitSet fuzz', () => {
  it('never throws on random JSON-ish input, always returns a validation result', () => {
    const rnd = prng(20250729);
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
    const keys = [
      'name',
      'description',
      'antonym',
      'instruction',
      'questions',
      'extraction_questions',
      'evaluation_questions',
      'eval_prompt',
      'pos',
      'neg',
      '__proto__',
      'constructor',
      'toString',
      'x',
    ];
    const strings = ['', ' ', '{question}', '{answer}', '{question} {answer}', 'evil', 'a'.repeat(10_001), '\u0000', '\ud800', '💥'];
    const gen = (depth: number): unknown => {
      const k = Math.floor(rnd() * (depth > 3 ? 6 : 9));
      switch (k) {
        case 0:
          return null;
        case 1:
          return rnd() < 0.5;
        case 2:
          return pick([0, -1, 1e308, NaN, Infinity, 3.5]);
        case 3:
          return pick(strings);
        case 4:
          return undefined;
        case 5:
          return pick(strings) + String(rnd());
        case 6:
          return Array.from({ length: Math.floor(rnd() * 6) }, () => gen(depth + 1));
        default: {
          const o: Record<string, unknown> = {};
          for (let i = Math.floor(rnd() * 6); i > 0; i--) o[pick(keys)] = gen(depth + 1);
          return o;
        }
      }
    };
    const mutate = (): unknown => {
      const o: Record<string, unknown> = JSON.parse(JSON.stringify({ ...paper, name: 'evil' }));
      for (let i = 1 + Math.floor(rnd() * 3); i > 0; i--) {
        const key = pick(keys);
        if (rnd() < 0.3) delete o[key];
        else o[key] = gen(1);
      }
      return o;
    };
    let ok = 0,
      bad = 0;
    for (let i = 0; i < 3000; i++) {
      const input = i % 2 ? gen(0) : mutate();
      let r: TraitValidation;
      try {
        r = validateTraitSet(input, rnd() < 0.5 ? 'fallback' : undefined);
      } catch (e) {
        throw new Error(`validator threw on case ${i}: ${(e as Error).message}`);
      }
      expect(typeof r.ok).toBe('boolean');
      if (r.ok) ok++;
      else {
        bad++;
        expect(r.errors.length).toBeGreaterThan(0);
        for (const e of r.errors) expect(typeof e.message).toBe('string');
      }
      const text = (() => {
        try {
          return JSON.stringify(input) ?? 'undefined';
        } catch {
          return '{';
        }
      })();
      expect(typeof importTraitSet(text).ok).toBe('boolean');
    }
    expect(ok).toBeGreaterThan(10); // the mutator leaves some sets valid
    expect(bad).toBeGreaterThan(1000);
  });
});
