/**
 * Rollout filtering (docs/ARCHITECTURE.md §4 "Filtering"): pair positive and negative responses by
 * (question, instruction, sample) and keep a pair when pos trait ≥ 50, neg trait < 50 and both
 * coherence ≥ 50. Thresholds are settings; with judge "none" every complete pair is kept.
 */

export interface JudgedRollout {
  /** Question index (or id). */
  question: number | string;
  /** Instruction pair index 0–4. */
  instruction: number;
  /** Sample index within (question, instruction). */
  sample: number;
  /** Judged trait score 0–100; null = no score (refusal or too little mass). */
  trait?: number | null;
  coherence?: number | null;
}

export interface FilterSettings {
  /** "none" keeps every pair (no judge run). Default "scores". */
  judge?: 'scores' | 'none';
  /** Positive side must score at least this (default 50). */
  posTraitMin?: number;
  /** Negative side must score below this (default 50). */
  negTraitMax?: number;
  /** Both sides must have coherence at least this (default 50). */
  coherenceMin?: number;
}

export type DropReason = 'unpaired' | 'pos trait too low' | 'neg trait too high' | 'pos incoherent' | 'neg incoherent' | 'missing score';

export interface FilterResult<R extends JudgedRollout> {
  kept: { pos: R; neg: R }[];
  dropped: { pos?: R; neg?: R; reasons: DropReason[] }[];
}

function key(r: JudgedRollout): string {
  return JSON.stringify([r.question, r.instruction, r.sample]);
}

/** Pair and filter rollouts; pairs come out in the order of the positive list. */
export function filterRollouts<R extends JudgedRollout>(pos: R[], neg: R[], settings: FilterSettings = {}): FilterResult<R> {
  const { judge = 'scores', posTraitMin = 50, negTraitMax = 50, coherenceMin = 50 } = settings;
  const negByKey = new Map<string, R>();
  for (const n of neg) negByKey.set(key(n), n);
  const used = new Set<string>();
  const result: FilterResult<R> = { kept: [], dropped: [] };
  for (const p of pos) {
    const k = key(p);
    const n = negByKey.get(k);
    if (!n || used.has(k)) {
      result.dropped.push({ pos: p, reasons: ['unpaired'] });
      continue;
    }
    used.add(k);
    if (judge === 'none') {
      result.kept.push({ pos: p, neg: n });
      continue;
    }
    const reasons: DropReason[] = [];
    const num = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
    const pt = num(p.trait),
      nt = num(n.trait),
      pc = num(p.coherence),
      nc = num(n.coherence);
    if (pt === null || nt === null || pc === null || nc === null) reasons.push('missing score');
    if (pt !== null && pt < posTraitMin) reasons.push('pos trait too low');
    if (nt !== null && nt >= negTraitMax) reasons.push('neg trait too high');
    if (pc !== null && pc < coherenceMin) reasons.push('pos incoherent');
    if (nc !== null && nc < coherenceMin) reasons.push('neg incoherent');
    if (reasons.length) result.dropped.push({ pos: p, neg: n, reasons });
    else result.kept.push({ pos: p, neg: n });
  }
  for (const n of neg) if (!used.has(key(n))) result.dropped.push({ neg: n, reasons: ['unpaired'] });
  return result;
}
