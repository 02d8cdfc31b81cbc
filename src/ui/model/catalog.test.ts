/** The Model panel's catalogue claims only families the conformance table backs with passing cases. */
import { describe, expect, it } from 'vitest';
import { CONFORMANCE_CASES } from '../../engine/testing/conformanceCases';
import { MODEL_CATALOG } from './catalog';

describe('model catalogue', () => {
  it('names, for every Hub model, a family with checked cases in the conformance table', () => {
    const checked = new Set(CONFORMANCE_CASES.filter((c) => !c.todo).map((c) => c.family));
    for (const m of MODEL_CATALOG.filter((m) => m.id !== 'demo')) {
      expect(m.family, m.id).toBeDefined();
      expect(checked.has(m.family!), `${m.id}: family ${m.family}`).toBe(true);
      expect(m.note, m.id).toContain(m.family!);
    }
  });

  it('claims no export style it did not check', () => {
    for (const m of MODEL_CATALOG) expect(m.note, m.id).not.toMatch(/fused export|decomposed export|float32 even in fp16/i);
  });
});
