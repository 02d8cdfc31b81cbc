/** `npm run check-imports`: the import-boundary check on its own; exit code 1 on a violation. */
import { checkTree, describe, SRC_DIR } from './checkImports';
import { ALLOWED, RULES } from './rules';

const found = checkTree(SRC_DIR, RULES);
const allowed = (v: { file: string; target: string }) => ALLOWED.some((a) => a.file === v.file && a.target === v.target);
for (const a of ALLOWED) console.log(`known exception: src/${a.file} → ${a.target}: ${a.reason}`);
const broken = found.filter((v) => !allowed(v));
for (const v of broken) console.error(describe(v));
console.log(broken.length ? `${broken.length} import(s) break the layering` : 'import boundaries: ok');
process.exitCode = broken.length ? 1 : 0;
