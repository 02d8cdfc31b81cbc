/**
 * The import-boundary check (docs/ARCHITECTURE.md §2): parses every TypeScript file under
 * src/ with TypeScript's own parser, collects each import (static, `import type`, `export … from`,
 * dynamic `import('…')`), and reports the ones a layer may not make, as file:line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import ts from 'typescript';

export interface LayerRule {
  /** The layer, as a path prefix under src/ ('engine/', 'cli/') or a file ('cli.ts'). */
  layer: string;
  /** Path prefixes under src/ it may not import ('state/'), or package names ('react'). */
  forbidden: string[];
  /** Why, in a few words, for the message. */
  why: string;
  /** Only for code that ships: tests (*.test.ts) and test helpers (testing/ folders) are exempt. */
  shippedOnly?: boolean;
}

export interface ImportRef {
  /** Path under src/, with forward slashes. */
  file: string;
  line: number;
  specifier: string;
  /** For a relative import: the imported file under src/ (no extension); for a package: its name. */
  target: string;
}

export interface Violation extends ImportRef {
  rule: LayerRule;
}

/** The imports of one file, from its text (nothing is resolved on disk). */
export function importsOf(file: string, text: string): ImportRef[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const refs: ImportRef[] = [];
  const add = (node: ts.Node, literal: ts.Expression | undefined) => {
    if (!literal || !ts.isStringLiteralLike(literal)) return;
    const specifier = literal.text;
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    refs.push({ file, line, specifier, target: targetOf(file, specifier) });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node, node.moduleSpecifier);
    else if (ts.isExportDeclaration(node)) add(node, node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node, node.moduleReference.expression);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node, node.arguments[0]);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node, node.argument.literal);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return refs;
}

/** A relative specifier as a path under src/ (query and extension dropped); a bare one as its package name. */
function targetOf(file: string, specifier: string): string {
  const bare = specifier.replace(/\?.*$/, '');
  if (bare.startsWith('.')) return posix.normalize(posix.join(posix.dirname(file), bare)).replace(/\.(tsx?|jsx?|mjs)$/, '');
  const parts = bare.split('/');
  return bare.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function inLayer(file: string, rule: LayerRule): boolean {
  if (rule.shippedOnly && (/\.test\.tsx?$/.test(file) || /(^|\/)testing\//.test(file))) return false;
  return rule.layer.endsWith('/') ? file.startsWith(rule.layer) : file === rule.layer;
}

function matches(target: string, forbidden: string): boolean {
  if (forbidden.endsWith('/')) return target.startsWith(forbidden) || target === forbidden.slice(0, -1);
  return target === forbidden;
}

/** The imports among `refs` that break a rule. */
export function violations(refs: ImportRef[], rules: LayerRule[]): Violation[] {
  const out: Violation[] = [];
  for (const ref of refs) {
    for (const rule of rules) {
      if (inLayer(ref.file, rule) && rule.forbidden.some((f) => matches(ref.target, f))) out.push({ ...ref, rule });
    }
  }
  return out;
}

/** Every .ts/.tsx file below `dir`, as paths relative to `root` with forward slashes. */
export function sourceFiles(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(root, path);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [relative(root, path).split(/[\\/]/).join('/')] : [];
  });
}

/** Checks every file under `srcDir` against `rules`. */
export function checkTree(srcDir: string, rules: LayerRule[]): Violation[] {
  const root = resolve(srcDir);
  return sourceFiles(root).flatMap((file) => violations(importsOf(file, readFileSync(join(root, file), 'utf8')), rules));
}

/** One line per violation: `src/share/codec.ts:4 imports '../state/types' (share → state/: …)`. */
export function describe(v: Violation, prefix = 'src/'): string {
  return `${prefix}${v.file}:${v.line} imports '${v.specifier}' (${v.rule.layer} ↛ ${v.target}: ${v.rule.why})`;
}

export const SRC_DIR = resolve(dirname(new URL(import.meta.url).pathname), '../../src');
