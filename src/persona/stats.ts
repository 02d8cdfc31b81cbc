/**
 * Descriptive statistics over plain number arrays. Sums in float64. Empty inputs give NaN rather
 * than throwing, so a chart with no data shows nothing instead of crashing.
 */

type Nums = ArrayLike<number>;

export function mean(xs: Nums): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

/** Variance with `ddof` degrees of freedom removed (1 = sample variance, 0 = population). */
export function variance(xs: Nums, ddof = 1): number {
  const n = xs.length;
  if (n - ddof <= 0) return NaN;
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < n; i++) s += (xs[i] - m) ** 2;
  return s / (n - ddof);
}

/** Standard deviation (sample, ddof = 1, unless told otherwise). */
export function std(xs: Nums, ddof = 1): number {
  return Math.sqrt(variance(xs, ddof));
}

/**
 * Cohen's d = (mean(a) − mean(b)) / pooled sd, pooled sd = √(((n_a−1)s_a² + (n_b−1)s_b²)/(n_a+n_b−2)).
 * NaN with fewer than 3 values in total; ±Infinity when both groups are constant but differ; 0 when equal.
 */
export function cohensD(a: Nums, b: Nums): number {
  const na = a.length,
    nb = b.length;
  if (na < 1 || nb < 1 || na + nb < 3) return NaN;
  const ssa = na > 1 ? variance(a) * (na - 1) : 0;
  const ssb = nb > 1 ? variance(b) * (nb - 1) : 0;
  const pooled = Math.sqrt((ssa + ssb) / (na + nb - 2));
  const diff = mean(a) - mean(b);
  if (pooled === 0) return diff === 0 ? 0 : diff > 0 ? Infinity : -Infinity;
  return diff / pooled;
}

/**
 * Average ranks (1-based) of the values, ties sharing the mean of their ranks.
 */
export function ranks(xs: Nums): Float64Array {
  const n = xs.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((i, j) => xs[i] - xs[j]);
  const out = new Float64Array(n);
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && xs[idx[j + 1]] === xs[idx[i]]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[idx[k]] = r;
    i = j + 1;
  }
  return out;
}

/**
 * Area under the ROC curve for telling `pos` from `neg` by value (higher = more positive):
 * P(pos > neg) + ½·P(pos = neg), computed with the Mann–Whitney U statistic and tie-averaged ranks.
 * NaN when either group is empty.
 */
export function auroc(pos: Nums, neg: Nums): number {
  const np = pos.length,
    nn = neg.length;
  if (np === 0 || nn === 0) return NaN;
  const all = new Float64Array(np + nn);
  for (let i = 0; i < np; i++) all[i] = pos[i];
  for (let i = 0; i < nn; i++) all[np + i] = neg[i];
  const r = ranks(all);
  let rankSum = 0;
  for (let i = 0; i < np; i++) rankSum += r[i];
  const u = rankSum - (np * (np + 1)) / 2;
  return u / (np * nn);
}

/** Pearson correlation coefficient; NaN when lengths differ, n < 2 or a variable is constant. */
export function pearson(x: Nums, y: Nums): number {
  const n = x.length;
  if (n !== y.length || n < 2) return NaN;
  const mx = mean(x),
    my = mean(y);
  let sxy = 0,
    sxx = 0,
    syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx,
      dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  return sxy / Math.sqrt(sxx * syy);
}

/**
 * Percentile rank of `x` within `values`, 0–100: (count below + ½·count equal) / n × 100.
 * NaN for an empty reference.
 */
export function percentileRank(values: Nums, x: number): number {
  if (values.length === 0) return NaN;
  let below = 0,
    equal = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i] < x) below++;
    else if (values[i] === x) equal++;
  }
  return ((below + equal / 2) / values.length) * 100;
}

/** Ascending copy of the values as float64. */
export function sorted(values: Nums): Float64Array {
  return Float64Array.from(values as ArrayLike<number>).sort();
}

/**
 * The q-quantile (0 ≤ q ≤ 1) with linear interpolation between order statistics
 * (numpy's default, Hyndman–Fan type 7). NaN for an empty input.
 */
export function quantile(values: Nums, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile q must be within [0, 1], got ${q}`);
  const s = sorted(values);
  if (s.length === 0) return NaN;
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

/** Median (quantile 0.5). */
export function median(values: Nums): number {
  return quantile(values, 0.5);
}
