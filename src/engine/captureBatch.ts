/**
 * One prefill pass over a batch of token rows, read out per row: the residual stream [L+1, T, H]
 * and the logits of every position [T, V] or of the last one [V], with padding stripped (the side
 * the graph needs, padding.ts). With right padding and unequal lengths, the last-position logits
 * come from a one-token pass that re-feeds each row's last token. Where the graph couples the rows
 * of a batch (dynamic quantization, onnx/batchCoupling.ts), each row runs alone.
 */
import { forward, KvCache, type ForwardReadout } from './forward';
import { positionStart } from './feeds';
import type { LoadedModel } from './loadModel';
import { DecodeCursor, padBatch, prefillSteerPositions } from './padding';
import { steerPositions, steerTensor, type PositionMode, type SteeringTerm } from './steering';

export interface BatchCaptureOptions {
  /** Per-row steering (null = unsteered). */
  steering?: (SteeringTerm[] | null)[];
  positions?: PositionMode;
  /** true: every position; 'last': the position after the last token only; false: none. */
  logits?: boolean | 'last';
  resid?: boolean;
}

export interface RowCapture {
  /** [L+1, T, H]; empty without resid. */
  resid: Float32Array;
  /** [T, V], or [V] with logits 'last'. */
  logits?: Float32Array;
}

export async function captureBatch(model: LoadedModel, rows: number[][], options: BatchCaptureOptions = {}): Promise<RowCapture[]> {
  const B = rows.length;
  if (B === 0) return [];
  if (model.info.rowCoupling && B > 1) {
    const each: RowCapture[] = [];
    for (let b = 0; b < B; b++) each.push(...(await captureBatch(model, [rows[b]], { ...options, steering: options.steering && [options.steering[b]] })));
    return each;
  }
  const { numLayers: L, hiddenSize: H } = model.info;
  const start = positionStart(model.config.modelType);
  const batch = padBatch(rows, model.tokenizer.padTokenId, model.info.padding, start);
  const T = batch.width;
  const mode = options.positions ?? 'all';
  const steering = options.steering ?? rows.map(() => null);
  const steer = steering.some((s) => s && s.length) ? steerTensor(steering, L, H) : undefined;
  const cursor = new DecodeCursor(batch, start);
  const lastPass = options.logits === 'last' && cursor.needsLastTokenPass;
  const readouts: ForwardReadout[] = [
    ...(options.resid === false ? [] : (['resid'] as const)),
    ...(options.logits === true ? (['logits'] as const) : options.logits === 'last' && !lastPass ? (['logitsLast'] as const) : []),
  ];
  const out = await forward(model, {
    ids: batch.ids,
    attentionMask: batch.mask,
    positionIds: batch.positions,
    past: KvCache.empty(model, B),
    steer,
    steerPositions: steer && prefillSteerPositions(mode, batch),
    readouts,
  });
  let lastLogits = out.readouts.logitsLast;
  if (lastPass) {
    const step = cursor.lastTokenPass(out.present.length);
    const tail = await forward(model, {
      ids: step.ids,
      attentionMask: step.mask,
      positionIds: step.positions,
      past: out.present,
      steer,
      steerPositions: steer && steerPositions(mode, B, 1, true),
      readouts: ['logitsLast'],
    });
    tail.present.dispose();
    lastLogits = tail.readouts.logitsLast;
  }
  out.present.dispose();

  const resid = out.readouts.resid;
  const logits = out.readouts.logits;
  const V = logits ? logits.length / (B * T) : lastLogits ? lastLogits.length / B : 0;
  return rows.map((row, b) => {
    const t = row.length;
    const from = batch.offsets[b];
    const own = new Float32Array(resid ? (L + 1) * t * H : 0);
    for (let r = 0; r <= L && resid; r++) {
      const at = ((b * (L + 1) + r) * T + from) * H;
      own.set(resid.subarray(at, at + t * H), r * t * H);
    }
    return {
      resid: own,
      logits: logits ? logits.slice((b * T + from) * V, (b * T + from + t) * V) : lastLogits?.slice(b * V, (b + 1) * V),
    };
  });
}
