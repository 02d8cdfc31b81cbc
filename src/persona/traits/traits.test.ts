import { describe, it, expect } from 'vitest';
import { BUILTIN_TRAIT_JSON, BUILTIN_TRAIT_NAMES, BUILTIN_TRAITS, builtinTrait } from './index';
import { validateTraitSet, systemPrompt, fillJudgePrompt } from '../traitSet';

describe('built-in traits', () => {
  it("has the paper's seven traits", () => {
    expect(BUILTIN_TRAIT_NAMES).toEqual(['evil', 'sycophantic', 'hallucinating', 'optimistic', 'impolite', 'apathetic', 'humorous']);
    expect(builtinTrait('humorous')?.name).toBe('humorous');
    expect(builtinTrait('nope')).toBeUndefined();
  });

  for (const name of ['evil', 'sycophantic', 'hallucinating', 'optimistic', 'impolite', 'apathetic', 'humorous']) {
    it(`${name}: validates cleanly with 5 pairs, 20 + 20 disjoint questions and a judge prompt`, () => {
      const json = BUILTIN_TRAIT_JSON[name] as Record<string, unknown>;
      const r = validateTraitSet(json);
      if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
      expect(r.warnings).toEqual([]);
      const t = r.value;
      expect(t.name).toBe(name);
      expect(t.instruction).toHaveLength(5);
      expect(t.extraction_questions).toHaveLength(20);
      expect(t.evaluation_questions).toHaveLength(20);
      const all = [...t.extraction_questions, ...t.evaluation_questions].map((q) => q.trim().toLowerCase());
      expect(new Set(all).size).toBe(40);
      // the paper's plain field agrees with our split, so the reference code sees the same questions
      expect(json.questions).toEqual([...t.extraction_questions, ...t.evaluation_questions]);
      for (const p of t.instruction) expect(p.pos).not.toBe(p.neg);
      expect(t.eval_prompt).toMatch(/REFUSAL/);
      expect(t.eval_prompt).toMatch(/0 to 100/);
      const filled = fillJudgePrompt(t.eval_prompt, 'QQQ', 'AAA');
      expect(filled).toContain('QQQ');
      expect(filled).toContain('AAA');
      expect(filled).not.toMatch(/\{question\}|\{answer\}/);
      expect(systemPrompt(t, 'pos', t.instruction[0].pos)).toMatch(new RegExp(`^You are an? ${name} assistant\\. `));
      expect(t.description.length).toBeGreaterThan(20);
    });
  }

  it('questions differ between traits sets only where intended (no accidental copy-paste)', () => {
    const seen = new Map<string, string>();
    for (const t of BUILTIN_TRAITS) {
      for (const q of [...t.extraction_questions, ...t.evaluation_questions]) {
        expect(seen.get(q), `"${q}" appears in ${seen.get(q)} and ${t.name}`).toBeUndefined();
        seen.set(q, t.name);
      }
    }
  });
});
