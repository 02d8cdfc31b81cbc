/**
 * Rows of a generation that share one pass per step: their padded batch (padding.ts), the decode
 * cursor, the caches and their steering. A generation is one group, or one group per row when the
 * graph couples the rows of a batch (dynamic quantization, see onnx/batchCoupling.ts).
 */
import { forward, KvCache, type ForwardInput, type ForwardReadout } from './forward';
import { positionStart } from './feeds';
import type { LoadedModel } from './loadModel';
import { DecodeCursor, padBatch, prefillSteerPositions, type PaddedBatch } from './padding';
import { steerPositions, steerTensor, type PositionMode, type SteeringTerm } from './steering';
import { decodeSteering, promptSteering, steeringKey, type PrefixStore, type RowHistory } from './prefixStore';

export interface StepOutput {
  /** [rows * V] logits of the position that produces each row's next token. */
  logits: Float32Array;
  /** [rows * (L+1) * K] projections of that position, when probes were given. */
  projections?: Float32Array;
}

export class RowGroup {
  private readonly batch: PaddedBatch;
  private readonly cursor: DecodeCursor;
  private readonly steer: Float32Array | undefined;
  private readonly readouts: ForwardReadout[];
  private past: KvCache;
  /** Per row: what each cached position was fed (ids and steering), for prefix reuse (prefixStore.ts). */
  private readonly history: RowHistory[];
  private readonly steerKeys: string[];
  /** Prompt positions taken from an earlier generation's caches (0 = none). */
  reused: number;

  constructor(
    private readonly model: LoadedModel,
    /** Indices of this group's rows in the whole generation. */
    readonly rows: number[],
    prompts: number[][],
    steering: (SteeringTerm[] | null)[] | undefined,
    private readonly mode: PositionMode,
    private readonly probes: { data: Float32Array; k: number } | undefined,
    /** Earlier caches to start from where ids and steering match; only for rows of equal length. */
    private readonly prefixes?: PrefixStore,
  ) {
    const { numLayers: L, hiddenSize: H } = model.info;
    const start = positionStart(model.config.modelType);
    this.batch = padBatch(
      rows.map((b) => prompts[b]),
      model.tokenizer.padTokenId,
      model.info.padding,
      start,
    );
    this.cursor = new DecodeCursor(this.batch, start);
    const own = steering && rows.map((b) => steering[b] ?? null);
    this.steer = own?.some((r) => r && r.length) ? steerTensor(own, L, H) : undefined;
    this.readouts = probes ? ['logitsLast', 'probeProj'] : ['logitsLast'];
    this.steerKeys = rows.map((_, i) => steeringKey(this.steer?.subarray(i * L * H, (i + 1) * L * H)));
    this.history = rows.map((b, i) => ({ ids: [...prompts[b]], steer: promptSteering(mode, prompts[b].length, this.steerKeys[i]) }));
    const reuse = prefixes && this.batch.lengths.every((n) => n === this.batch.width) ? prefixes.reuse(model, this.history) : null;
    this.past = reuse?.past ?? KvCache.empty(model, rows.length);
    this.reused = reuse?.length ?? 0;
  }

  /** Step 0 is the prefill (and, for unequal right-padded rows, the pass re-feeding each last prompt token); later steps feed `tokens` (-1 = a finished row). */
  async step(step: number, tokens: number[]): Promise<StepOutput> {
    const B = this.rows.length;
    let out;
    if (step === 0) {
      const b = this.batch;
      const P = this.reused;
      const prefill = P
        ? {
            ids: b.ids.map((r) => r.slice(P)),
            attentionMask: b.mask,
            positionIds: b.positions.map((r) => r.slice(P)),
            steerPositions: this.steer && steerPositions(this.mode, B, b.width - P, true),
          }
        : { ids: b.ids, attentionMask: b.mask, positionIds: b.positions, steerPositions: this.steer && prefillSteerPositions(this.mode, b) };
      if (P > 0 && b.width - P > 1) {
        try {
          out = await this.pass(prefill, this.readouts);
        } catch {
          // this graph takes no multi-token pass after a cache: recompute the whole prompt, and reuse only one-token continuations from now on
          this.prefixes!.oneTokenOnly = true;
          this.reused = 0;
          this.past.dispose();
          this.past = KvCache.empty(this.model, B);
          out = await this.pass(
            { ids: b.ids, attentionMask: b.mask, positionIds: b.positions, steerPositions: this.steer && prefillSteerPositions(this.mode, b) },
            this.readouts,
          );
        }
      } else if (this.cursor.needsLastTokenPass) {
        await this.pass(prefill, []);
        const last = this.cursor.lastTokenPass(this.past.length);
        out = await this.pass(
          { ids: last.ids, attentionMask: last.mask, positionIds: last.positions, steerPositions: this.steer && steerPositions(this.mode, B, 1, true) },
          this.readouts,
        );
      } else out = await this.pass(prefill, this.readouts);
    } else {
      tokens.forEach((t, i) => {
        if (t >= 0) {
          this.history[i].ids.push(t);
          this.history[i].steer.push(decodeSteering(this.mode, this.steerKeys[i]));
        }
      });
      const next = this.cursor.step(
        tokens.map((t) => (t < 0 ? this.model.tokenizer.padTokenId : t)),
        this.past.length,
      );
      out = await this.pass(
        { ids: next.ids, attentionMask: next.mask, positionIds: next.positions, steerPositions: this.steer && steerPositions(this.mode, B, 1, false) },
        this.readouts,
      );
    }
    if (!this.probes) return { logits: out.readouts.logitsLast! };
    // probe_proj is [B, L+1, S, K]: keep the newest position.
    const L1 = this.model.info.numLayers + 1;
    const K = this.probes.k;
    const all = out.readouts.probeProj!;
    const S = out.dims.probeProj![2];
    const projections = new Float32Array(B * L1 * K);
    for (let b = 0; b < B; b++)
      for (let r = 0; r < L1; r++)
        for (let k = 0; k < K; k++) {
          projections[(b * L1 + r) * K + k] = all[((b * L1 + r) * S + S - 1) * K + k];
        }
    return { logits: out.readouts.logitsLast!, projections };
  }

  /** Hands this group's caches to the prefix store (a copy; call before dispose). */
  async keep(): Promise<void> {
    if (this.prefixes && this.batch.lengths.every((n) => n === this.batch.width)) await this.prefixes.keep(this.model, this.past, this.history);
  }

  dispose(): void {
    this.past.dispose();
  }

  /** Runs one pass and keeps its caches. */
  private async pass(inputs: Pick<ForwardInput, 'ids' | 'attentionMask' | 'positionIds' | 'steerPositions'>, readouts: ForwardReadout[]) {
    const out = await forward(this.model, { ...inputs, past: this.past, steer: this.steer, probes: this.probes, readouts });
    this.past.dispose();
    this.past = out.present;
    return out;
  }
}

/** One group of every row, or one per row when the graph couples the rows of a batch. */
export function rowGroupsFor(model: LoadedModel, count: number): number[][] {
  const all = Array.from({ length: count }, (_, b) => b);
  return model.info.rowCoupling ? all.map((b) => [b]) : [all];
}
