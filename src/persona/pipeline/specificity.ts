/**
 * Specificity controls for the steering sweep. A cell that raises the judged trait is evidence
 * for the trait direction only if other directions of the same kind do not raise it too. The
 * control vectors come from the same kept responses with their pos/neg labels shuffled (seeded),
 * the real direction projected out, each scaled so that its row at the cell's layer has the real
 * vector's norm there. At early
 * layers a prompt_last vector carries which system-prompt phrasing was read, and a shuffled mix of
 * the trait's own phrasings can then elicit the trait as well as the real vector does; such a cell
 * is not chosen.
 */
import { seededRandom } from '../../engine/sampling';
import { vectorRow, type PersonaVector, type Readout } from '../personaVector';
import { dot, norm } from '../vectorMath';
import { extractActivations } from './activations';
import type { Judge } from './judges';
import { steeringEval, type SteerCellResult } from './steer';
import type { PipelineContext, RolloutRecord } from './types';
import { rowOfLayer } from '../../engine/hooks';

type Pair = { pos: RolloutRecord; neg: RolloutRecord };

export interface ControlResult {
  /** The sweep cell checked. */
  cell: SteerCellResult;
  /** Per shuffled-label control: its judged trait at the cell, and the shuffled row's cosine to the real row. */
  shuffled: (SteerCellResult & { cos: number })[];
  /** No shuffled-label vector raised the mean trait score by more than maxRise over the baseline. */
  specific: boolean;
}

/**
 * The kept responses split into two random halves with the same number of positive and of negative
 * responses each (seeded), re-paired as "pos" and "neg". Balance matters: with k more positives on
 * one side, the difference of means carries k/n of the real direction, which norm-matching then
 * scales back up.
 */
export function shuffledPairs(pairs: Pair[], seed: number): Pair[] {
  const rand = seededRandom(seed);
  const shuffle = <T>(xs: T[]) =>
    xs
      .map((x) => ({ x, k: rand() }))
      .sort((a, b) => a.k - b.k)
      .map((e) => e.x);
  const pos = shuffle(pairs.map((p) => p.pos)),
    neg = shuffle(pairs.map((p) => p.neg));
  const h = Math.floor(pairs.length / 2);
  const a = shuffle([...pos.slice(0, h), ...neg.slice(0, h)]),
    b = shuffle([...pos.slice(h, 2 * h), ...neg.slice(h, 2 * h)]);
  return a.map((r, i) => ({ pos: { ...r, side: 'pos' }, neg: { ...b[i], side: 'neg' } }));
}

/**
 * A control direction from a shuffled-label vector: each row with the real row's direction projected
 * out (a balanced shuffle still lines up with the trait axis by chance, |cos| up to ~0.45 on the demo
 * model, because trait strength varies within each side), then scaled so that its row at `layer` has
 * the real row's norm. `cos` is the shuffled row's cosine to the real row before the projection.
 */
export function controlDirection(shuffled: PersonaVector, real: PersonaVector, layer: number): { vector: PersonaVector; cos: number } {
  const row = rowOfLayer(layer);
  const out: PersonaVector = { ...shuffled, data: Float32Array.from(shuffled.data) };
  let cos = 0;
  for (let r = 0; r < out.rows; r++) {
    const a = vectorRow(real, r),
      b = vectorRow(out, r);
    const aa = dot(a, a);
    if (r === row) cos = aa > 0 && dot(b, b) > 0 ? dot(a, b) / Math.sqrt(aa * dot(b, b)) : 0;
    if (aa === 0) continue;
    const k = dot(a, b) / aa;
    for (let i = 0; i < b.length; i++) b[i] -= k * a[i];
  }
  const nb = norm(vectorRow(out, row));
  const scale = nb > 0 ? norm(vectorRow(real, row)) / nb : 0;
  for (let i = 0; i < out.data.length; i++) out.data[i] *= scale;
  return { vector: out, cos };
}

/** One set of readout vectors per shuffle (seeds seed+1 … seed+count), from the kept pairs' responses. */
export async function shuffledVectors(
  ctx: PipelineContext,
  runId: string,
  pairs: Pair[],
  count: number,
  seed: number,
  batchSize: number,
): Promise<Record<Readout, PersonaVector>[]> {
  const out: Record<Readout, PersonaVector>[] = [];
  for (let i = 1; i <= count; i++)
    out.push((await extractActivations(ctx, `${runId}:shuffle${seed + i}`, shuffledPairs(pairs, seed + i), { batchSize })).vectors);
  return out;
}

export interface ControlOptions {
  runId: string;
  /** Candidate cells, best first (each labelled with its readout). */
  candidates: SteerCellResult[];
  baseline: SteerCellResult;
  real: Record<Readout, PersonaVector>;
  controls: Record<Readout, PersonaVector>[];
  questions: string[];
  systemPrompt: string | null;
  judge: Judge;
  maxNewTokens: number;
  batchSize: number;
  /** Largest rise of the mean trait score (0–100) over the baseline a control may cause. */
  maxRise: number;
}

/** Checks the candidates in order with every control vector and stops at the first specific one. */
export async function firstSpecificCell(ctx: PipelineContext, o: ControlOptions): Promise<{ best: SteerCellResult | null; checked: ControlResult[] }> {
  const checked: ControlResult[] = [];
  const base = o.baseline.trait ?? 0;
  const steers = (c: SteerCellResult) => (c.trait ?? 0) - base > o.maxRise;
  for (const cell of o.candidates) {
    const readout = cell.readout ?? 'response_avg';
    const shuffled: ControlResult['shuffled'] = [];
    for (const [i, control] of o.controls.entries()) {
      const { vector, cos } = controlDirection(control[readout], o.real[readout], cell.layer!);
      const { cells } = await steeringEval(ctx, {
        runId: `${o.runId}:control${i}:${readout}:L${cell.layer}`,
        vector,
        questions: o.questions,
        systemPrompt: o.systemPrompt,
        cells: [{ layer: cell.layer, alpha: cell.alpha, positions: cell.positions }],
        judge: o.judge,
        maxNewTokens: o.maxNewTokens,
        batchSize: o.batchSize,
        step: 'sweep',
      });
      shuffled.push({ ...cells[0], readout, cos });
      if (steers(cells[0])) break;
    }
    // the loop stops at the first control that steers, so every control ran when none did
    const specific = !shuffled.some(steers);
    checked.push({ cell, shuffled, specific });
    if (specific) return { best: cell, checked };
  }
  return { best: null, checked };
}
