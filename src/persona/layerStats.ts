/**
 * Per-layer diagnostics of a persona vector: for each row, the vector's norm and how well the
 * projections onto it separate positive from negative samples (mean gap, Cohen's d, AUROC), plus
 * a suggested layer. The paper picks the layer by steering each layer alone; separation is the
 * cheap proxy we can show before any steering run, restricted by default to the middle layers
 * (where the paper's best layers lie).
 */
import type { PersonaVector } from './personaVector';
import { auroc, cohensD, mean } from './stats';

export interface LayerStat {
  /** Vector row (0 = embed, l+1 = blocks.{l}.resid_post). */
  row: number;
  /** Decoder block l = row − 1 (−1 for the embedding row). */
  layer: number;
  norm: number;
  /** mean(pos projections) − mean(neg projections). */
  gap: number;
  cohensD: number;
  auroc: number;
}

/**
 * Scalar projections of one sample's readout [rows, hidden] onto each row of the vector:
 * length rows, NaN for rows whose vector is zero.
 */
export function projectOnRows(sample: ArrayLike<number>, v: PersonaVector): Float64Array {
  if (sample.length !== v.rows * v.hidden) throw new Error(`sample has ${sample.length} values; the vector is [${v.rows}, ${v.hidden}]`);
  const out = new Float64Array(v.rows);
  for (let r = 0; r < v.rows; r++) {
    let d = 0,
      n = 0;
    for (let h = 0; h < v.hidden; h++) {
      const x = v.data[r * v.hidden + h];
      d += sample[r * v.hidden + h] * x;
      n += x * x;
    }
    out[r] = n > 0 ? d / Math.sqrt(n) : NaN;
  }
  return out;
}

/**
 * Per-row statistics given projections of every sample (each of length rows, e.g. from
 * projectOnRows) for the positive and negative side.
 */
export function layerStats(v: PersonaVector, posProjections: ArrayLike<number>[], negProjections: ArrayLike<number>[]): LayerStat[] {
  const out: LayerStat[] = [];
  for (let r = 0; r < v.rows; r++) {
    let n2 = 0;
    for (let h = 0; h < v.hidden; h++) n2 += v.data[r * v.hidden + h] ** 2;
    const p = posProjections.map((s) => s[r]).filter((x) => Number.isFinite(x));
    const q = negProjections.map((s) => s[r]).filter((x) => Number.isFinite(x));
    out.push({ row: r, layer: r - 1, norm: Math.sqrt(n2), gap: mean(p) - mean(q), cohensD: cohensD(p, q), auroc: auroc(p, q) });
  }
  return out;
}

export interface SuggestOptions {
  /** Only consider blocks within this fraction band of depth (default [0.25, 0.75]); [0, 1] = all. */
  band?: [number, number];
}

/**
 * Suggested decoder block: highest Cohen's d (ties broken by AUROC, then the shallower layer)
 * among blocks inside the depth band; null when no block has a finite d.
 */
export function suggestLayer(stats: LayerStat[], opts: SuggestOptions = {}): number | null {
  const blocks = stats.filter((s) => s.layer >= 0);
  const numLayers = blocks.length;
  const [lo, hi] = opts.band ?? [0.25, 0.75];
  let candidates = blocks.filter((s) => s.layer >= Math.floor(lo * numLayers) && s.layer <= Math.ceil(hi * numLayers) - 1 && Number.isFinite(s.cohensD));
  if (candidates.length === 0) candidates = blocks.filter((s) => Number.isFinite(s.cohensD));
  if (candidates.length === 0) return null;
  let best = candidates[0];
  for (const s of candidates) {
    if (s.cohensD > best.cohensD || (s.cohensD === best.cohensD && s.auroc > best.auroc)) best = s;
  }
  return best.layer;
}
