/**
 * The house rules, enforced (docs/ARCHITECTURE.md §2): every import of every file under src/
 * is read with TypeScript's parser and checked against tools/check-imports/rules.ts. A failure names
 * the file:line of each import a layer may not make.
 */
import { describe as group, expect, it } from 'vitest';
import { checkTree, describe, importsOf, SRC_DIR, violations } from '../tools/check-imports/checkImports';
import { checkCitations, checkTreeCitations, sectionsOf } from '../tools/check-imports/citations';
import { ALLOWED, RULES } from '../tools/check-imports/rules';
import { REPO_ROOT } from './engine/testing/paths';

group('import boundaries', () => {
  const found = checkTree(SRC_DIR, RULES);
  const allowed = (v: { file: string; target: string }) => ALLOWED.some((a) => a.file === v.file && a.target === v.target);

  it('no layer imports what it may not (outside the commented allow-list)', () => {
    if (ALLOWED.length)
      console.log(`import check: ${ALLOWED.length} known exception(s):\n${ALLOWED.map((a) => `  src/${a.file} → ${a.target}: ${a.reason}`).join('\n')}`);
    const broken = found.filter((v) => !allowed(v)).map((v) => describe(v));
    expect(broken, `imports that break the layering:\n${broken.join('\n')}`).toEqual([]);
  });

  it('every allow-list entry still occurs (fixed exceptions leave the list)', () => {
    const stale = ALLOWED.filter((a) => !found.some((v) => v.file === a.file && v.target === a.target));
    expect(stale).toEqual([]);
  });

  it('catches each kind of import, with its line', () => {
    const text = [
      "import { lab } from '../state/store';",
      "import type { Preset } from '../state/types';",
      "export { x } from '../ui/App';",
      "const m = await import('../state/engine');",
      "type T = import('../state/types').UiError;",
      "import ort from 'onnxruntime-web/webgpu';",
      "import url from 'onnxruntime-web/ort-wasm.wasm?url';",
      "import { ok } from './steering';",
    ].join('\n');
    const found = violations(importsOf('engine/x.ts', text), RULES).map((v) => `${v.line}:${v.target}`);
    expect(found).toEqual(['1:state/store', '2:state/types', '3:ui/App', '4:state/engine', '5:state/types']);
    const persona = violations(importsOf('persona/x.ts', text), RULES).map((v) => `${v.line}:${v.target}`);
    expect(persona).toEqual(['1:state/store', '2:state/types', '3:ui/App', '4:state/engine', '5:state/types', '6:onnxruntime-web', '7:onnxruntime-web']);
    expect(violations(importsOf('ui/x.tsx', text), RULES)).toEqual([]);
    // the engine is below persona in shipped code; its tests may use persona to check results
    const up = "import { hookName } from '../persona/personaVector';";
    expect(violations(importsOf('engine/x.ts', up), RULES).map((v) => v.target)).toEqual(['persona/personaVector']);
    expect(violations(importsOf('engine/x.test.ts', up), RULES)).toEqual([]);
    expect(violations(importsOf('engine/testing/x.ts', up), RULES)).toEqual([]);
  });
});

group('citations of the architecture document', () => {
  it('every comment cites a section and subsection that docs/ARCHITECTURE.md has, and nothing outside the repository', () => {
    const problems = checkTreeCitations(REPO_ROOT, ['src', 'tools', 'bench', 'e2e']).map((c) => `${c.file}:${c.line}: ${c.problem}`);
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('catches a missing section, a missing subsection and the outside document', () => {
    const sections = sectionsOf('## §1 Start\n## §4 The method\n### Judge\n### Vector\n## Notes\n### Stray\n');
    expect([...sections.keys()]).toEqual([1, 4]);
    const check = (line: string) => checkCitations('x.ts', line, sections).map((c) => c.problem);
    const doc = ['docs', 'ARCHITECTURE.md'].join('/'); // not a citation of this file's own
    expect(check(`/** (${doc} §4 "Judge", "Vector") */`)).toEqual([]);
    expect(check(`/** (${doc} §2–§4) */`)).toEqual(['no section §2']);
    expect(check(`/** (${doc} §4 "Stray") */`)).toEqual(['no subsection "Stray" in §4']);
    expect(check(`/** (${['DESIGN', 'md'].join('.')} §2) */`)).toHaveLength(1);
  });
});
