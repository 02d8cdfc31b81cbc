/**
 * Judging the coefficient sweep with the loaded model itself (the trait's judge prompt, scored
 * from the exact next-token distribution over the integer tokens; src/persona/pipeline/judges),
 * so traits without the demo lexicon judge get a score-vs-α chart too.
 */
import { isDemoTrait } from '../../persona/lexiconJudge';
import { PipelineError, selfJudge } from '../../persona/pipeline';
import { getEngine, toUiError } from '../engine';
import { endpointJudge } from './judgeEndpoint';
import { getLab, setLab } from '../store';

export type SweepJudgeKind = 'lexicon' | 'self' | 'endpoint' | 'none';

/** The judges the sweep offers for a trait, default first. */
export function sweepJudgeChoices(trait: string): SweepJudgeKind[] {
  return isDemoTrait(trait) ? ['lexicon', 'self', 'endpoint', 'none'] : ['self', 'endpoint', 'none'];
}

export const SWEEP_JUDGE_LABELS: Record<SweepJudgeKind, string> = {
  lexicon: 'lexicon judge (demo traits)',
  self: 'the loaded model (trait judge prompt)',
  endpoint: 'the judge endpoint (Model panel)',
  none: 'no judge',
};

/**
 * Scores the current sweep's replies with the loaded model. Returns false (and sets chatError)
 * when it cannot; the replies are kept either way.
 */
export async function judgeSweepWithModel(kind: 'self' | 'endpoint' = 'self'): Promise<boolean> {
  const s = getLab();
  const sweep = s.sweep;
  if (!sweep) return false;
  const entry = s.traits.find((t) => t.set.name === sweep.trait);
  if (!entry?.set.eval_prompt) {
    setLab({
      chatError: {
        message: `the trait "${sweep.trait}" has no judge prompt (eval_prompt)`,
        hint: 'Add one in the trait editor (Traits panel), then sweep again.',
      },
    });
    return false;
  }
  if (kind === 'self' && (s.loadState !== 'ready' || !s.info)) {
    setLab({ chatError: { message: 'no model is loaded to judge with', hint: 'Load a model first.' } });
    return false;
  }
  try {
    const judge = kind === 'endpoint' ? await endpointJudge(entry.set, { pause: false }) : selfJudge({ engine: getEngine(), info: s.info! }, entry.set);
    const scores = await judge.judge(sweep.points.map((p) => ({ question: sweep.prompt, answer: p.text })));
    setLab((cur) => (cur.sweep === sweep ? { sweep: { ...sweep, points: sweep.points.map((p, i) => ({ ...p, score: scores[i].trait })) } } : {}));
    return true;
  } catch (e) {
    setLab({ chatError: e instanceof PipelineError ? { message: e.message, hint: e.hint } : toUiError(e, 'The replies are kept without scores.') });
    return false;
  }
}

/** Drops the scores of the current sweep (judge "none"). */
export function clearSweepScores(): void {
  setLab((cur) => (cur.sweep ? { sweep: { ...cur.sweep, points: cur.sweep.points.map((p) => ({ ...p, score: null })) } } : {}));
}
