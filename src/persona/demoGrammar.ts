/**
 * The demo corpus grammar (issue #3's fluency measure): an answer parses when every sentence is a
 * marker sentence of some trait side, an advice template with its slot filled by words, or a
 * false-claim agreement/correction. The same check as `make_grammar` in tools/demo-model/build.py,
 * from the same generated tables (src/persona/demoTraits.ts), so the build report and the tests
 * measure one thing.
 */
import { DEMO_ANSWER_TEMPLATES, DEMO_CLAIM_SENTENCE, DEMO_NEUTRAL_SENTENCES, DEMO_TRAIT_LEXICON } from './demoTraits';
import { splitSentences } from './lexiconJudge';

const MARKERS = new Set<string>([...DEMO_NEUTRAL_SENTENCES, ...Object.values(DEMO_TRAIT_LEXICON).flatMap((lex) => [...lex.pos, ...lex.neg])]);

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const TEMPLATE_PATTERNS: RegExp[] = DEMO_ANSWER_TEMPLATES.map((t) => new RegExp(`^${t.split('{x}').map(escapeRegExp).join('[A-Za-z][A-Za-z ]*')}$`));

/** Is this one sentence of the corpus grammar? */
export function isDemoSentence(sentence: string): boolean {
  return MARKERS.has(sentence) || DEMO_CLAIM_SENTENCE.test(sentence) || TEMPLATE_PATTERNS.some((p) => p.test(sentence));
}

/**
 * Does the whole answer parse as the demo corpus grammar (non-empty, every sentence well-formed)? An
 * unfinished last sentence or a run of terminators ("Great news!!") is no sentence of the grammar.
 */
export function parsesAsDemoAnswer(text: string): boolean {
  const sentences = splitSentences(text);
  return sentences.length > 0 && sentences.every(isDemoSentence);
}
