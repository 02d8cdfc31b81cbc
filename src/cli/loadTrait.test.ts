import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_MODEL_DIR } from './loadEngine';
import { loadTrait } from './extract';

describe('CLI --trait names', () => {
  it("find the model folder's own traits/<name>.json for any local folder, not only `demo`", () => {
    const dir = mkdtempSync(join(tmpdir(), 'persona-trait-'));
    cpSync(join(DEMO_MODEL_DIR, 'traits'), join(dir, 'traits'), { recursive: true });
    const polite = JSON.parse(readFileSync(join(DEMO_MODEL_DIR, 'traits', 'polite.json'), 'utf8'));
    expect(loadTrait('polite', dir).evaluation_questions).toEqual(polite.evaluation_questions);
    expect(loadTrait('polite', 'demo').evaluation_questions).toEqual(polite.evaluation_questions);
    // a built-in name still resolves when the folder has no file of that name
    expect(loadTrait('evil', dir).name).toBe('evil');
    expect(() => loadTrait('polite', mkdtempSync(join(tmpdir(), 'persona-empty-')))).toThrow(/no trait file or built-in trait "polite"/);
  });

  it('a folder trait file that is not a trait set is refused by name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'persona-trait-'));
    cpSync(join(DEMO_MODEL_DIR, 'traits'), join(dir, 'traits'), { recursive: true });
    writeFileSync(join(dir, 'traits', 'broken.json'), '[]');
    expect(() => loadTrait('broken', dir)).toThrow(/broken/);
  });
});
