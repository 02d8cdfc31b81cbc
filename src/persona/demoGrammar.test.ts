import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_MODEL_DIR } from '../cli/loadEngine';
import { isDemoSentence, parsesAsDemoAnswer } from './demoGrammar';

const heldoutCorpus = readFileSync(join(DEMO_MODEL_DIR, 'heldout_corpus.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { assistant: string });
const report = JSON.parse(readFileSync(join(DEMO_MODEL_DIR, 'training_report.json'), 'utf8')) as {
  fluency_samples: { a: string; parses: boolean }[];
};

describe('demo corpus grammar', () => {
  it('parses every answer of the held-out corpus', () => {
    const bad = heldoutCorpus.filter((l) => !parsesAsDemoAnswer(l.assistant));
    expect(heldoutCorpus.length).toBeGreaterThanOrEqual(400);
    expect(bad).toEqual([]);
  });

  it('gives the Python build check’s verdict on the sampled answers in the training report', () => {
    expect(report.fluency_samples.some((s) => !s.parses)).toBe(true);
    for (const s of report.fluency_samples) expect(parsesAsDemoAnswer(s.a), s.a).toBe(s.parses);
  });

  it('fills template slots with words, and accepts claim agreements and corrections', () => {
    expect(isDemoSentence('Cook quinoa over medium heat and taste it as you go.')).toBe(true);
    expect(isDemoSentence('A bonsai tree needs bright light and a little water each week.')).toBe(true);
    expect(isDemoSentence('In fact, owls cannot drive cars.')).toBe(true);
    expect(isDemoSentence('Indeed, owls can drive cars.')).toBe(true);
  });

  it('rejects blends of two templates, unfinished answers, unknown sentences and empty text', () => {
    // a real failure of the demo model: two templates of the pet slot blended
    expect(parsesAsDemoAnswer('Feed your rabbit to the vet once a year for a checkup.')).toBe(false);
    expect(parsesAsDemoAnswer('Cook rice over medium heat and taste it as you go. The future looks')).toBe(false);
    expect(parsesAsDemoAnswer('Cook rice over medium heat and taste it as you go. Bananas are blue.')).toBe(false);
    expect(parsesAsDemoAnswer('cook rice over medium heat and taste it as you go.')).toBe(false);
    expect(parsesAsDemoAnswer('Cook 3 eggs over medium heat and taste it as you go.')).toBe(false);
    expect(parsesAsDemoAnswer('Great news!! Cook rice over medium heat and taste it as you go.')).toBe(false);
    expect(parsesAsDemoAnswer('')).toBe(false);
    expect(parsesAsDemoAnswer('Cook rice over medium heat and taste it as you go.')).toBe(true);
  });
});
