/**
 * The generation loop over the instrumented session: padded batches (the side the graph's attention
 * needs, see padding.ts; one row per pass where the graph couples rows, see rowGroup.ts), KV cache,
 * per-row steering, seeded sampling, stop tokens, streaming and cancellation between steps.
 */
import type { LoadedModel } from './loadModel';
import { RowGroup, rowGroupsFor } from './rowGroup';
import type { PrefixStore } from './prefixStore';
import { sampleToken, seededRandom, GREEDY, type SamplingSettings } from './sampling';
import type { PositionMode, SteeringTerm } from './steering';

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
  /** Awaited between steps, before the cancel check (the worker yields there so a cancel message can land). */
  betweenSteps?: () => Promise<void>;
  /** Earlier caches to start from and to keep this generation's in (prefixStore.ts); results equal recomputing. */
  prefixes?: PrefixStore;
}

export interface StepEvent {
  step: number;
  tokens: number[];
  /** [B * (L+1) * K] projections of the position that produced each token, when probes were given. */
  projections?: Float32Array;
}

export type FinishReason = 'stop' | 'length' | 'cancelled';

export interface GenerationLoopResult {
  tokens: number[][];
  finish: FinishReason[];
  /** Per row, per generated token: [(L+1) * K] projections (when probes were given). */
  projections?: Float32Array[][];
  /** Per row: prompt positions taken from earlier caches instead of recomputed (0 without `prefixes`). */
  reused: number[];
}

export async function generate(model: LoadedModel, options: GenerateOptions): Promise<GenerationLoopResult> {
  const B = options.prompts.length;
  if (B === 0) return { tokens: [], finish: [], reused: [] };
  if (options.prompts.some((p) => p.length === 0)) throw new RangeError('every prompt needs at least one token');
  const L = model.info.numLayers;
  const mode = options.positions ?? 'response';
  const sampling = options.sampling ?? GREEDY;
  const stop = new Set(options.stopTokenIds ?? model.config.eosTokenIds);
  const randoms = Array.from({ length: B }, (_, b) => seededRandom(options.rowSeeds?.[b] ?? options.seed ?? 0));
  const groups = rowGroupsFor(model, B).map((rows) => new RowGroup(model, rows, options.prompts, options.steering, mode, options.probes, options.prefixes));
  const tokens: number[][] = Array.from({ length: B }, () => []);
  const finish: (FinishReason | null)[] = new Array(B).fill(null);
  const projections: Float32Array[][] | undefined = options.probes ? Array.from({ length: B }, () => []) : undefined;
  const width = (L + 1) * (options.probes?.k ?? 0);
  let completed = false;

  try {
    let next: number[] = [];
    for (let step = 0; step < options.maxNewTokens; step++) {
      if (step > 0) await options.betweenSteps?.();
      if (options.isCancelled?.()) {
        finish.forEach((f, b) => (finish[b] = f ?? 'cancelled'));
        break;
      }
      const rowLogits: Float32Array[] = [];
      const stepProjections = options.probes ? new Float32Array(B * width) : undefined;
      for (const g of groups) {
        const out = await g.step(
          step,
          g.rows.map((b) => next[b]),
        );
        const V = out.logits.length / g.rows.length;
        g.rows.forEach((b, i) => {
          rowLogits[b] = out.logits.subarray(i * V, (i + 1) * V);
          stepProjections?.set(out.projections!.subarray(i * width, (i + 1) * width), b * width);
        });
      }
      next = rowLogits.map((logits, b) => {
        if (finish[b]) return -1;
        const token = sampleToken(logits, sampling, randoms[b]);
        tokens[b].push(token);
        projections?.[b].push(stepProjections!.slice(b * width, (b + 1) * width));
        if (stop.has(token)) finish[b] = 'stop';
        return token;
      });
      options.onStep?.({ step, tokens: next, projections: stepProjections });
      if (finish.every((f) => f)) break;
    }
    completed = true;
  } finally {
    // a pass that threw leaves its caches unknown: only a finished or cancelled run is kept
    for (const g of groups) {
      if (completed) await g.keep().catch(() => undefined);
      g.dispose();
    }
  }
  const reused = new Array<number>(B).fill(0);
  for (const g of groups) for (const b of g.rows) reused[b] = g.reused;
  return { tokens, finish: finish.map((f) => f ?? 'length'), projections, reused };
}
