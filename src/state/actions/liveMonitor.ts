/**
 * Per-token projections while a reply streams (pure; no store, no engine handle).
 *
 * The engine projects the residual stream onto probe vectors inside the graph and streams, with
 * each token event, the projections of the position that produced the token: at step 0 the last
 * prompt token, at step s ≥ 1 the token generated at step s − 1. The probes here are the active
 * traits' unit vectors at the monitored row (blocks.{layer}.resid_post), zero elsewhere.
 *
 * The steered row's residual at that row includes the steering just added there. Layers ≤ layer
 * never see steering at `layer` (it only flows forward and upward), so removing the added term's
 * projection, Σ α·(vector·v̂), from positions the pass steered gives exactly what an unsteered
 * capture of the finished text reads at that row — the numbers the finished chart shows.
 */
import type { GenerateEvent, PositionMode, SteeringTerm } from '../../engine/api';
import { rowOfLayer } from '../../engine/hooks';
import { nameRecord } from '../../persona/nameRecord';
import { unitOrZero } from '../../persona/vectorMath';
import type { TokenMonitor } from '../types';

export interface Probe {
  name: string;
  /** The trait's vector row at the monitored layer (any norm). */
  row: Float32Array;
}

/** The engine's `probes` input: one [L+1, hidden] array per trait with v̂ at row layer+1. */
export function probeInputs(probes: Probe[], numLayers: number, hidden: number, layer: number): Float32Array[] {
  return probes.map((p) => {
    const full = new Float32Array((numLayers + 1) * hidden);
    full.set(unitOrZero(p.row), rowOfLayer(layer) * hidden);
    return full;
  });
}

/** What steering adds to the projection onto v̂ at row layer+1 of a steered position: Σ α·(vector·v̂). */
export function steeringOffset(terms: SteeringTerm[] | null, layer: number, probeRow: Float32Array): number {
  const u = unitOrZero(probeRow);
  let out = 0;
  for (const t of terms ?? []) {
    if (t.layer !== layer) continue;
    let d = 0;
    for (let i = 0; i < u.length; i++) d += t.vector[i] * u[i];
    out += t.alpha * d;
  }
  return out;
}

/** Whether the pass at `step` steered its newest position (the one whose projection streams). */
export function newestPositionSteered(mode: PositionMode, step: number): boolean {
  return mode !== 'prompt' || step === 0;
}

/**
 * Collects one batch row's streamed projections into a TokenMonitor: the last prompt token (as a
 * one-token prompt, the tint's baseline) followed by the generated tokens; the newest token's
 * projection arrives with the next step.
 */
export class LiveMonitor {
  private readonly tokens: string[] = [''];
  private readonly values: number[][];
  private readonly offsets: number[];
  private prevToken = 0;
  /** Number of events seen. */
  steps = 0;

  constructor(
    private readonly names: string[],
    probeRows: Float32Array[],
    private readonly layer: number,
    private readonly batchRow: number,
    terms: SteeringTerm[] | null,
    private readonly mode: PositionMode,
  ) {
    this.values = names.map(() => []);
    this.offsets = probeRows.map((r) => steeringOffset(terms, layer, r));
  }

  push(e: GenerateEvent): void {
    this.steps++;
    const proj = e.projections?.[this.batchRow]?.[rowOfLayer(this.layer)];
    // step 0: the last prompt token; later steps: the token the previous step produced, while the row ran
    if (proj && (e.step === 0 || this.prevToken >= 0)) {
      const steered = newestPositionSteered(this.mode, e.step);
      this.names.forEach((_, k) => this.values[k].push(proj[k] - (steered ? this.offsets[k] : 0)));
    }
    const token = e.tokens[this.batchRow];
    if (token >= 0) this.tokens.push(e.deltas[this.batchRow] ?? '');
    this.prevToken = token;
  }

  snapshot(): TokenMonitor {
    const projections = nameRecord<number[]>();
    const lastPrompt = nameRecord<number>();
    this.names.forEach((n, k) => {
      projections[n] = this.values[k].slice();
      if (this.values[k].length) lastPrompt[n] = this.values[k][0];
    });
    return { tokens: this.tokens.slice(), promptLength: 1, layer: this.layer, projections, lastPrompt, layerNorms: [] };
  }
}

/** Calls `flush` at most once per animation frame (a timer where there are no frames, e.g. Node). */
export function frameThrottle(flush: () => void): { schedule: () => void; cancel: () => void } {
  let handle: number | ReturnType<typeof setTimeout> | null = null;
  const raf = typeof requestAnimationFrame === 'function' ? requestAnimationFrame : null;
  const run = () => {
    handle = null;
    flush();
  };
  return {
    schedule() {
      if (handle !== null) return;
      handle = raf ? raf(run) : setTimeout(run, 16);
    },
    cancel() {
      if (handle === null) return;
      if (raf && typeof handle === 'number') cancelAnimationFrame(handle);
      else clearTimeout(handle as ReturnType<typeof setTimeout>);
      handle = null;
    },
  };
}
