/**
 * Comments cite only what the repository holds: every `docs/ARCHITECTURE.md §N "Name"` citation
 * must name a section (`## §N …`) and, when quoted, a subsection (`### Name`) of that section that
 * exist; a design document outside the repository is never cited.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface Citation {
  file: string;
  line: number;
  text: string;
  problem: string;
}

/** Section number → names of its subsections, from the document's headings. */
export function sectionsOf(markdown: string): Map<number, Set<string>> {
  const sections = new Map<number, Set<string>>();
  let current: Set<string> | null = null;
  for (const line of markdown.split('\n')) {
    const section = /^## §(\d+)\b/.exec(line);
    if (section) sections.set(Number(section[1]), (current = new Set()));
    else if (line.startsWith('## ')) current = null;
    const sub = /^### (.+?)\s*$/.exec(line);
    if (sub && current) current.add(sub[1]);
  }
  return sections;
}

const CITE = /docs\/ARCHITECTURE\.md(?:\]\([^)]*\))?((?:\s*(?:§\d+(?:–§\d+)?|,|and))*)((?:\s*(?:"[^"]+"|,|and))*)/g;
// built from parts, so that this file does not cite the outside document itself
const OUTSIDE = new RegExp(['DESIGN', 'md'].join('\\.'));

/** Problems with the citations in one file's text. */
export function checkCitations(file: string, text: string, sections: Map<number, Set<string>>): Citation[] {
  const out: Citation[] = [];
  text.split('\n').forEach((line, i) => {
    if (OUTSIDE.test(line))
      out.push({ file, line: i + 1, text: line.trim(), problem: 'cites a design document that is not in the repository; cite docs/ARCHITECTURE.md' });
    for (const m of line.matchAll(CITE)) {
      const numbers = [...m[1].matchAll(/§(\d+)/g)].map((x) => Number(x[1]));
      const names = [...m[2].matchAll(/"([^"]+)"/g)].map((x) => x[1]);
      const missing = numbers.filter((n) => !sections.has(n));
      if (missing.length) out.push({ file, line: i + 1, text: line.trim(), problem: `no section §${missing.join(', §')}` });
      const home = sections.get(numbers[0]);
      for (const name of names) {
        if (!home?.has(name)) out.push({ file, line: i + 1, text: line.trim(), problem: `no subsection "${name}" in §${numbers[0] ?? '?'}` });
      }
    }
  });
  return out;
}

/** Text files below `dir` that may hold comments (source, scripts, Markdown), relative to `root`. */
export function textFiles(root: string, dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name.startsWith('.') ? [] : textFiles(root, path);
    return /\.(tsx?|mjs|js|py|md|css|html)$/.test(e.name) ? [relative(root, path).split(/[\\/]/).join('/')] : [];
  });
}

export function checkTreeCitations(root: string, dirs: string[], docPath = 'docs/ARCHITECTURE.md'): Citation[] {
  const sections = sectionsOf(readFileSync(join(root, docPath), 'utf8'));
  return dirs.flatMap((d) => textFiles(root, join(root, d))).flatMap((f) => checkCitations(f, readFileSync(join(root, f), 'utf8'), sections));
}
