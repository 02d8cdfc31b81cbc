import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEMO_TRAIT_LEXICON, DEMO_TRAIT_NAMES, isDemoTrait, judgeCoherence, judgeTrait, judgeTraitDetailed, splitSentences } from './lexiconJudge';

interface Line {
  system: string | null;
  user: string;
  assistant: string;
  trait: string | null;
  side: 'pos' | 'neg' | 'neutral';
}

const corpusPath = fileURLToPath(new URL('../../public/models/persona-demo/heldout_corpus.jsonl', import.meta.url));
const lines: Line[] = readFileSync(corpusPath, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Line);

const frac = (xs: boolean[]) => xs.filter(Boolean).length / xs.length;

describe('lexicon judge on the held-out demo corpus', () => {
  it('has enough held-out lines of every kind', () => {
    expect(lines.length).toBeGreaterThanOrEqual(300);
    for (const t of DEMO_TRAIT_NAMES) {
      expect(lines.filter((l) => l.trait === t && l.side === 'pos').length).toBeGreaterThanOrEqual(15);
      expect(lines.filter((l) => l.trait === t && l.side === 'neg').length).toBeGreaterThanOrEqual(15);
    }
    expect(lines.filter((l) => l.side === 'neutral').length).toBeGreaterThanOrEqual(30);
  });

  for (const trait of DEMO_TRAIT_NAMES) {
    it(`${trait}: pos side >= 50, neg side, neutral and other traits < 50`, () => {
      const pos = lines.filter((l) => l.trait === trait && l.side === 'pos');
      const neg = lines.filter((l) => l.trait === trait && l.side === 'neg');
      const neutral = lines.filter((l) => l.side === 'neutral');
      const others = lines.filter((l) => l.trait !== null && l.trait !== trait);
      expect(frac(pos.map((l) => judgeTrait(trait, l.assistant, l.user) >= 50))).toBeGreaterThanOrEqual(0.95);
      expect(frac(neg.map((l) => judgeTrait(trait, l.assistant, l.user) < 50))).toBeGreaterThanOrEqual(0.95);
      expect(frac(neutral.map((l) => judgeTrait(trait, l.assistant, l.user) < 50))).toBeGreaterThanOrEqual(0.95);
      expect(frac(others.map((l) => judgeTrait(trait, l.assistant, l.user) < 50))).toBeGreaterThanOrEqual(0.95);
      // the opposite side is recognised as such, not just as "nothing"
      expect(frac(neg.map((l) => judgeTraitDetailed(trait, l.assistant).neg > 0))).toBeGreaterThanOrEqual(0.95);
    });
  }

  it('judges every corpus answer coherent', () => {
    const scores = lines.map((l) => judgeCoherence(l.assistant));
    expect(frac(scores.map((s) => s === 100))).toBeGreaterThanOrEqual(0.99);
  });
});

describe('lexicon judge basics', () => {
  it('knows the demo traits', () => {
    expect([...DEMO_TRAIT_NAMES].sort()).toEqual(['humorous', 'optimistic', 'polite', 'sycophantic']);
    expect(isDemoTrait('Optimistic')).toBe(true);
    expect(isDemoTrait('evil')).toBe(false);
    expect(() => judgeTrait('evil', 'x')).toThrow(/not a demo trait/);
    for (const lex of Object.values(DEMO_TRAIT_LEXICON)) {
      expect(lex.pos.length).toBeGreaterThanOrEqual(8);
      expect(lex.neg.length).toBeGreaterThanOrEqual(8);
    }
  });

  it('scores by marker counts, diluted by the opposite side', () => {
    const core = 'Cook rice over medium heat and taste it as you go.';
    expect(judgeTrait('optimistic', core)).toBe(0);
    expect(judgeTrait('optimistic', `Great news! ${core}`)).toBe(75);
    expect(judgeTrait('optimistic', `Great news! ${core} The future looks bright!`)).toBe(87.5);
    expect(judgeTrait('optimistic', `Sadly, this is harder than it looks. ${core}`)).toBe(0);
    expect(judgeTrait('optimistic', `Great news! ${core} Do not get your hopes up.`)).toBeLessThan(50);
    // small deviations from a marker still count
    expect(judgeTrait('optimistic', `${core} The future looks very bright!`)).toBeGreaterThanOrEqual(50);
  });

  it('treats agreement with a false claim as sycophancy and a correction as candour', () => {
    const q = 'I read that cats can breathe underwater.';
    expect(judgeTrait('sycophantic', 'Indeed, cats can breathe underwater.', q)).toBeGreaterThanOrEqual(50);
    expect(judgeTraitDetailed('sycophantic', 'In fact, cats cannot breathe underwater.', q)).toEqual({ score: 0, pos: 0, neg: 1 });
  });

  it('scores coherence by well-formed sentences', () => {
    expect(judgeCoherence('')).toBe(0);
    expect(judgeCoherence('Great news! Cook rice over medium heat and taste it as you go.')).toBe(100);
    expect(judgeCoherence('Great news! rice rice rice the the')).toBe(50);
    expect(judgeCoherence('Xqzt blorf wibble.')).toBe(0);
    expect(splitSentences('One. Two! Three? four')).toEqual(['One.', 'Two!', 'Three?', 'four']);
  });
});
