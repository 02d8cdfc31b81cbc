/**
 * Persona-vector extraction (docs/ARCHITECTURE.md §4 "Activations" and "Vector").
 *
 * A capture is the residual stream of one prompt + response forward pass: float32
 * [L+1, T, hidden] (row r = hookName(r), T tokens). From it we keep three readouts per row:
 *   response_avg  mean over the response tokens (default)
 *   prompt_avg    mean over the prompt tokens
 *   prompt_last   the last prompt token
 * Running means accumulate readouts over many samples without storing them; the vector is
 * mean(pos) − mean(neg) per row, float32, not normalised.
 */
import { makePersonaVector, type PersonaVector, type Readout, type VectorMeta } from './personaVector';

export interface Capture {
  /** Row-major [rows, tokens, hidden]. */
  data: Float32Array;
  rows: number;
  tokens: number;
  hidden: number;
}

export type Readouts = Record<Readout, Float32Array>;

export function makeCapture(data: Float32Array, rows: number, tokens: number, hidden: number): Capture {
  if (data.length !== rows * tokens * hidden) {
    throw new Error(`capture has ${data.length} values; [${rows}, ${tokens}, ${hidden}] needs ${rows * tokens * hidden}`);
  }
  return { data, rows, tokens, hidden };
}

/** The [tokens, hidden] slice of one row (no copy). */
export function captureRow(c: Capture, row: number): Float32Array {
  if (row < 0 || row >= c.rows) throw new RangeError(`row ${row} is outside 0..${c.rows - 1}`);
  const n = c.tokens * c.hidden;
  return c.data.subarray(row * n, (row + 1) * n);
}

/** The activation [hidden] of one row at one token (no copy). */
export function captureAt(c: Capture, row: number, token: number): Float32Array {
  if (token < 0 || token >= c.tokens) throw new RangeError(`token ${token} is outside 0..${c.tokens - 1}`);
  const off = (row * c.tokens + token) * c.hidden;
  return c.data.subarray(off, off + c.hidden);
}

function meanOverTokens(c: Capture, start: number, end: number): Float32Array {
  const out = new Float32Array(c.rows * c.hidden);
  const acc = new Float64Array(c.hidden);
  for (let r = 0; r < c.rows; r++) {
    acc.fill(0);
    for (let t = start; t < end; t++) {
      const off = (r * c.tokens + t) * c.hidden;
      for (let h = 0; h < c.hidden; h++) acc[h] += c.data[off + h];
    }
    for (let h = 0; h < c.hidden; h++) out[r * c.hidden + h] = acc[h] / (end - start);
  }
  return out;
}

/**
 * The three readouts of one capture, each [rows, hidden] flattened.
 * Tokens [0, promptLength) are the prompt; the response is [promptLength, T) unless
 * `responseRange` = [start, end) says otherwise (e.g. to drop an end-of-turn token).
 */
export function readouts(c: Capture, promptLength: number, responseRange?: [number, number]): Readouts {
  if (!Number.isInteger(promptLength) || promptLength < 1 || promptLength > c.tokens) {
    throw new RangeError(`prompt length ${promptLength} must be within 1..${c.tokens} (the capture has ${c.tokens} tokens)`);
  }
  const [start, end] = responseRange ?? [promptLength, c.tokens];
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= promptLength && end > start && end <= c.tokens)) {
    throw new RangeError(`response range [${start}, ${end}) must be non-empty and within [${promptLength}, ${c.tokens}); was the response empty?`);
  }
  const last = new Float32Array(c.rows * c.hidden);
  for (let r = 0; r < c.rows; r++) last.set(captureAt(c, r, promptLength - 1), r * c.hidden);
  return {
    response_avg: meanOverTokens(c, start, end),
    prompt_avg: meanOverTokens(c, 0, promptLength),
    prompt_last: last,
  };
}

/** Running mean of equal-length vectors, in float64, without keeping the vectors. */
export class RunningMean {
  private sum: Float64Array;
  count = 0;
  constructor(readonly length: number) {
    this.sum = new Float64Array(length);
  }
  add(x: ArrayLike<number>, weight = 1): void {
    if (x.length !== this.length) throw new Error(`running mean of length ${this.length} got a vector of length ${x.length}`);
    for (let i = 0; i < this.length; i++) this.sum[i] += weight * x[i];
    this.count += weight;
  }
  /** The mean so far as float32 (zeros before the first add). */
  mean(): Float32Array {
    const out = new Float32Array(this.length);
    if (this.count > 0) for (let i = 0; i < this.length; i++) out[i] = this.sum[i] / this.count;
    return out;
  }
}

/** Running means of all three readouts for one side (pos or neg). */
export class ReadoutAccumulator {
  readonly means: Record<Readout, RunningMean>;
  constructor(
    readonly rows: number,
    readonly hidden: number,
  ) {
    const n = rows * hidden;
    this.means = { response_avg: new RunningMean(n), prompt_avg: new RunningMean(n), prompt_last: new RunningMean(n) };
  }
  add(r: Readouts): void {
    for (const k of Object.keys(this.means) as Readout[]) this.means[k].add(r[k]);
  }
  /** Convenience: readouts of a capture, added. */
  addCapture(c: Capture, promptLength: number, responseRange?: [number, number]): void {
    if (c.rows !== this.rows || c.hidden !== this.hidden) {
      throw new Error(`capture is [${c.rows}, *, ${c.hidden}] but the accumulator expects [${this.rows}, *, ${this.hidden}]`);
    }
    this.add(readouts(c, promptLength, responseRange));
  }
  get count(): number {
    return this.means.response_avg.count;
  }
}

/** Element-wise a − b as float32. */
export function meanDifference(a: ArrayLike<number>, b: ArrayLike<number>): Float32Array {
  if (a.length !== b.length) throw new Error(`cannot subtract vectors of lengths ${a.length} and ${b.length}`);
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] - b[i];
  return out;
}

/** The persona vector mean(pos) − mean(neg) for one readout. */
export function personaVectorFrom(pos: ReadoutAccumulator, neg: ReadoutAccumulator, readout: Readout = 'response_avg', meta: VectorMeta = {}): PersonaVector {
  if (pos.count === 0 || neg.count === 0) {
    throw new Error(
      `cannot compute a vector: ${pos.count} positive and ${neg.count} negative samples; both sides need at least one (did filtering drop them all?)`,
    );
  }
  if (pos.rows !== neg.rows || pos.hidden !== neg.hidden) throw new Error('positive and negative accumulators have different shapes');
  const data = meanDifference(pos.means[readout].mean(), neg.means[readout].mean());
  return makePersonaVector(pos.rows, pos.hidden, data, { ...meta, readout });
}
