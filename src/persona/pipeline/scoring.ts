/**
 * Step 2, judging and filtering (docs/ARCHITECTURE.md §4 "Judge", "Filtering"): every rollout scored for the
 * trait and for coherence by the chosen judge (stored per rollout and judge; a re-run skips what is
 * stored), then pos/neg pairs kept or dropped by filter.ts.
 */
import { filterRollouts, type FilterResult, type FilterSettings } from '../filter';
import type { Judge } from './judges';
import { checkCancelled, chunks, PipelineProgressTracker } from './progress';
import type { PipelineContext, PipelineStep, RolloutRecord, ScoreRecord } from './types';

export function scoreId(rolloutId: string, judgeId: string): string {
  return `${rolloutId}|${judgeId}`;
}

/** Scores every rollout with the judge; returns scores by rollout id. */
export async function judgeRollouts(
  ctx: PipelineContext,
  rollouts: RolloutRecord[],
  judge: Judge,
  step: PipelineStep = 'judge',
): Promise<Map<string, ScoreRecord>> {
  const out = new Map<string, ScoreRecord>();
  const progress = new PipelineProgressTracker(ctx, step, rollouts.length, step === 'judge' ? undefined : 'judge');
  const todo: RolloutRecord[] = [];
  for (const r of rollouts) {
    const s = await ctx.storage.get<ScoreRecord>('scores', scoreId(r.id, judge.id));
    if (s) out.set(r.id, s);
    else todo.push(r);
  }
  progress.skip(rollouts.length - todo.length);
  for (const batch of chunks(todo, judge.batchSize)) {
    checkCancelled(ctx.signal);
    const scores = await judge.judge(
      batch.map((r) => ({ question: r.user, answer: r.response })),
      ctx.signal,
    );
    checkCancelled(ctx.signal);
    const records: ScoreRecord[] = batch.map((r, i) => ({
      id: scoreId(r.id, judge.id),
      rolloutId: r.id,
      judge: judge.id,
      trait: scores[i].trait,
      coherence: scores[i].coherence,
    }));
    await ctx.storage.putMany('scores', records);
    for (const rec of records) out.set(rec.rolloutId, rec);
    progress.advance(batch.length);
  }
  return out;
}

export type ScoredRollout = RolloutRecord & { trait: number | null; coherence: number | null };

/** Rollouts with their scores attached (null when unscored). */
export function withScores(rollouts: RolloutRecord[], scores: Map<string, ScoreRecord>): ScoredRollout[] {
  return rollouts.map((r) => ({ ...r, trait: scores.get(r.id)?.trait ?? null, coherence: scores.get(r.id)?.coherence ?? null }));
}

/** Pairs pos/neg rollouts by (question, instruction, sample) and filters them; judge "none" keeps every pair. */
export function filterScored(rollouts: ScoredRollout[], judgeKind: Judge['kind'], settings: FilterSettings = {}): FilterResult<ScoredRollout> {
  const pos = rollouts.filter((r) => r.side === 'pos');
  const neg = rollouts.filter((r) => r.side === 'neg');
  return filterRollouts(pos, neg, { ...settings, judge: judgeKind === 'none' ? 'none' : (settings.judge ?? 'scores') });
}
