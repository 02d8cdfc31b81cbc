/**
 * The generation loop over the instrumented session: a padded batch (the side the graph's attention
 * needs, see padding.ts), KV cache, per-row steering, seeded sampling, stop tokens, streaming and
 * cancellation between steps.
 */
import { forward, KvCache, type ForwardInput, type Readout } from './forward';
import { positionStart } from './feeds';
import type { LoadedModel } from './loadModel';
import { DecodeCursor, padBatch, prefillSteerPositions } from './padding';
import { sampleToken, seededRandom, GREEDY, type SamplingSettings } from './sampling';
import { steerPositions, steerTensor, type PositionMode, type SteeringTerm } from './steering';

export interface GenerateOptions {
  /** Prompt token ids, one row each. */
  prompts: number[][];
  /** Per-row steering; null or missing = unsteered. */
  steering?: (SteeringTerm[] | null)[];
  positions?: PositionMode;
  maxNewTokens: number;
  sampling?: SamplingSettings;
  seed?: number;
  /** Per-row seeds overriding `seed` (undefined entries use it). */
  rowSeeds?: (number | undefined)[];
  stopTokenIds?: number[];
  /** Unit probe vectors [(L+1) * K * hidden]: per-step projections of the newest position are reported. */
  probes?: { data: Float32Array; k: number };
  /** Called after each step with the token each row produced (-1 for rows already finished). */
  onStep?: (step: StepEvent) => void;
  /** Checked between steps: generation stops within one step of it turning true. */
  isCancelled?: () => boolean;
}

export interface StepEvent {
  step: number;
  tokens: number[];
  /** [B * (L+1) * K] projections of the position that produced each token, when probes were given. */
  projections?: Float32Array;
}

export type FinishReason = 'stop' | 'length' | 'cancelled';

export interface GenerateResult {
  tokens: number[][];
  finish: FinishReason[];
  /** Per row, per generated token: [(L+1) * K] projections (when probes were given). */
  projections?: Float32Array[][];
}

export async function generate(model: LoadedModel, options: GenerateOptions): Promise<GenerateResult> {
  const B = options.prompts.length;
  if (B === 0) return { tokens: [], finish: [] };
  if (options.prompts.some((p) => p.length === 0)) throw new RangeError('every prompt needs at least one token');
  const { numLayers: L, hiddenSize: H } = model.info;
  const mode = options.positions ?? 'response';
  const sampling = options.sampling ?? GREEDY;
  const stop = new Set(options.stopTokenIds ?? model.config.eosTokenIds);
  const randoms = Array.from({ length: B }, (_, b) => seededRandom(options.rowSeeds?.[b] ?? options.seed ?? 0));
  const steer = options.steering?.some((r) => r && r.length) ? steerTensor(options.steering, L, H) : undefined;
  const readouts: Readout[] = options.probes ? ['logitsLast', 'probeProj'] : ['logitsLast'];

  const start = positionStart(model.config.modelType);
  const batch = padBatch(options.prompts, model.tokenizer.padTokenId, model.info.padding, start);
  const cursor = new DecodeCursor(batch, start);
  let past = KvCache.empty(model, B);
  const tokens: number[][] = Array.from({ length: B }, () => []);
  const finish: (FinishReason | null)[] = new Array(B).fill(null);
  const projections: Float32Array[][] | undefined = options.probes ? Array.from({ length: B }, () => []) : undefined;
  const K = options.probes?.k ?? 0;
  /** Runs one pass and keeps its caches. */
  const pass = async (inputs: Pick<ForwardInput, 'ids' | 'attentionMask' | 'positionIds' | 'steerPositions'>, wanted: Readout[]) => {
    const out = await forward(model, { ...inputs, past, steer, probes: options.probes, readouts: wanted });
    past.dispose();
    past = out.present;
    return out;
  };

  try {
    let next: number[] = [];
    for (let step = 0; step < options.maxNewTokens; step++) {
      if (options.isCancelled?.()) {
        finish.forEach((f, b) => (finish[b] = f ?? 'cancelled'));
        break;
      }
      let out;
      if (step === 0) {
        const prefill = { ids: batch.ids, attentionMask: batch.mask, positionIds: batch.positions, steerPositions: steer && prefillSteerPositions(mode, batch) };
        if (cursor.needsLastTokenPass) {
          // Right padding, unequal lengths: the prefill fills the caches; its last column is not every row's last token.
          await pass(prefill, []);
          const last = cursor.lastTokenPass(past.length);
          out = await pass({ ids: last.ids, attentionMask: last.mask, positionIds: last.positions, steerPositions: steer && steerPositions(mode, B, 1, true) }, readouts);
        } else out = await pass(prefill, readouts);
      } else {
        const inputs = cursor.step(next.map((t) => (t < 0 ? model.tokenizer.padTokenId : t)), past.length);
        out = await pass({ ids: inputs.ids, attentionMask: inputs.mask, positionIds: inputs.positions, steerPositions: steer && steerPositions(mode, B, 1, false) }, readouts);
      }
      const logits = out.readouts.logitsLast!;
      const V = logits.length / B;
      let stepProjections: Float32Array | undefined;
      if (options.probes) {
        // probe_proj is [B, L+1, S, K]: keep the newest position.
        const all = out.readouts.probeProj!;
        const S = out.dims.probeProj![2];
        stepProjections = new Float32Array(B * (L + 1) * K);
        for (let b = 0; b < B; b++) for (let r = 0; r <= L; r++) for (let k = 0; k < K; k++) {
          stepProjections[(b * (L + 1) + r) * K + k] = all[((b * (L + 1) + r) * S + S - 1) * K + k];
        }
      }
      next = batch.ids.map((_, b) => {
        if (finish[b]) return -1;
        const token = sampleToken(logits.subarray(b * V, (b + 1) * V), sampling, randoms[b]);
        tokens[b].push(token);
        projections?.[b].push(stepProjections!.slice(b * (L + 1) * K, (b + 1) * (L + 1) * K));
        if (stop.has(token)) finish[b] = 'stop';
        return token;
      });
      options.onStep?.({ step, tokens: next, projections: stepProjections });
      if (finish.every((f) => f)) break;
    }
  } finally {
    past.dispose();
  }
  return { tokens, finish: finish.map((f) => f ?? 'length'), projections };
}
