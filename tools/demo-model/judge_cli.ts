// Batch front end to the TypeScript lexicon judge, used by build.py's evaluation.
// usage: npx tsx tools/demo-model/judge_cli.ts items.json   (items: [{trait, answer, question?}])
// prints [{score, coherence, pos, neg}] as JSON.
import { readFileSync } from 'node:fs';
import { judgeCoherence, judgeTraitDetailed } from '../../src/persona/lexiconJudge';

const items = JSON.parse(readFileSync(process.argv[2], 'utf8')) as { trait: string; answer: string; question?: string }[];
const out = items.map((it) => {
  const j = judgeTraitDetailed(it.trait, it.answer, it.question);
  return { score: j.score, coherence: judgeCoherence(it.answer), pos: j.pos, neg: j.neg };
});
process.stdout.write(JSON.stringify(out));
