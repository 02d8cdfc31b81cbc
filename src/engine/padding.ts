/**
 * Batches of rows of unequal length, laid out so every row computes exactly as it would alone.
 *
 * - Left padding (attention that reads the mask position by position: plain ops, MultiHeadAttention):
 *   every row's newest token sits in the last column, so a pass's newest-position readouts
 *   (logits_last, the last column of resid / probe_proj) belong to every row. Decode steps append
 *   one mask column per step.
 * - Right padding (GroupQueryAttention: each row's length comes from the mask, and its valid tokens
 *   are taken to be the first ones): row b holds its tokens in columns [0, length_b), and its k-th
 *   decode token goes to cache slot length_b + k, so the mask of a decode pass is length_b + k + 1
 *   ones followed by zeros. A prefill's last column is then not every row's last token: when the
 *   lengths differ, each row's last prompt token is fed once more as a one-token pass (it is
 *   written to the same cache slot with the same values) whose newest-position readouts are exact.
 *   That extra pass costs about one decode step per batch.
 *
 * Position ids follow Hugging Face: start + index at real tokens, 1 at padding.
 */
import type { PaddingSide } from './onnx/paddingSide';
import type { PositionMode } from './steering';

export type { PaddingSide };

export interface PaddedBatch {
  side: PaddingSide;
  /** [B][S] token ids. */
  ids: number[][];
  /** [B][S] 1 at real tokens, 0 at padding. */
  mask: number[][];
  /** [B][S] position ids. */
  positions: number[][];
  /** Real tokens per row. */
  lengths: number[];
  /** Column of each row's first real token. */
  offsets: number[];
  width: number;
}

export function padBatch(rows: number[][], padId: number, side: PaddingSide, start = 0): PaddedBatch {
  if (rows.length === 0 || rows.some((r) => r.length === 0)) throw new RangeError('every row needs at least one token');
  const width = Math.max(...rows.map((r) => r.length));
  const lengths = rows.map((r) => r.length);
  const offsets = rows.map((r) => (side === 'left' ? width - r.length : 0));
  const ids = rows.map((r, b) => Array.from({ length: width }, (_, s) => (s >= offsets[b] && s < offsets[b] + r.length ? r[s - offsets[b]] : padId)));
  const mask = rows.map((r, b) => Array.from({ length: width }, (_, s) => (s >= offsets[b] && s < offsets[b] + r.length ? 1 : 0)));
  const positions = mask.map((m, b) => m.map((real, s) => (real ? start + s - offsets[b] : 1)));
  return { side, ids, mask, positions, lengths, offsets, width };
}

/** Column of row b's last real token. */
export function lastColumn(batch: PaddedBatch, b: number): number {
  return batch.offsets[b] + batch.lengths[b] - 1;
}

/** Whether the last column holds every row's last token (then a prefill's newest readouts serve every row). */
export function lastTokensAligned(batch: PaddedBatch): boolean {
  return batch.lengths.every((_, b) => lastColumn(batch, b) === batch.width - 1);
}

/**
 * [B * S] positions a prefill steers: every column (all, prompt) or each row's last token
 * (response: the newest position of the pass, per row).
 */
export function prefillSteerPositions(mode: PositionMode, batch: PaddedBatch): Float32Array {
  const S = batch.width;
  const out = new Float32Array(batch.ids.length * S);
  if (mode !== 'response') return out.fill(1);
  batch.lengths.forEach((_, b) => (out[b * S + lastColumn(batch, b)] = 1));
  return out;
}

/** Inputs of a pass that feeds one token per row. */
export interface StepInputs {
  ids: number[][];
  mask: number[][];
  positions: number[][];
}

/** Where each row of a batch stands after its prefill: the tokens it has cached and its mask. */
export class DecodeCursor {
  private readonly mask: number[][];
  /** Tokens of each row held in the cache. */
  private readonly cached: number[];

  constructor(
    private readonly batch: PaddedBatch,
    private readonly start = 0,
  ) {
    this.mask = batch.mask.map((m) => [...m]);
    this.cached = [...batch.lengths];
  }

  /** Right padding with unequal lengths: each row's last prompt token must be fed again (see above). */
  get needsLastTokenPass(): boolean {
    return !lastTokensAligned(this.batch);
  }

  /** The pass that re-feeds each row's last prompt token (right padding only). */
  lastTokenPass(cacheLength: number): StepInputs {
    if (this.batch.side !== 'right') throw new Error('only a right-padded batch re-feeds its last tokens');
    for (let b = 0; b < this.cached.length; b++) this.cached[b] -= 1;
    return this.step(
      this.batch.ids.map((row, b) => row[lastColumn(this.batch, b)]),
      cacheLength,
    );
  }

  /** The pass that feeds `tokens` (one per row) after `cacheLength` cached positions. */
  step(tokens: number[], cacheLength: number): StepInputs {
    const positions = this.cached.map((n) => [this.start + n]);
    for (let b = 0; b < tokens.length; b++) {
      if (this.batch.side === 'left') this.mask[b].push(1);
      else this.mask[b] = Array.from({ length: cacheLength + 1 }, (_, s) => (s <= this.cached[b] ? 1 : 0));
      this.cached[b] += 1;
    }
    return { ids: tokens.map((t) => [t]), mask: this.mask.map((m) => [...m]), positions };
  }
}
