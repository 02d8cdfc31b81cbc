/** Steering as plain data (one request carries it), turned into the graph's `steer` input. */
import { EngineError } from './errors';

/** Add alpha · vector to the output of decoder block `layer` (blocks.{layer}.resid_post). */
export interface SteeringTerm {
  layer: number;
  vector: Float32Array;
  alpha: number;
}

/** all: every position of every pass; prompt: prefill only; response: the newest position of each pass. */
export type PositionMode = 'all' | 'prompt' | 'response';
export const POSITION_MODES: readonly PositionMode[] = ['all', 'prompt', 'response'];

/** Builds the [B, L, H] steer tensor from per-row terms (null row = unsteered). */
export function steerTensor(rows: (SteeringTerm[] | null)[], numLayers: number, hidden: number): Float32Array {
  const out = new Float32Array(rows.length * numLayers * hidden);
  rows.forEach((terms, b) => {
    for (const t of terms ?? []) {
      if (!Number.isInteger(t.layer) || t.layer < 0 || t.layer >= numLayers) {
        throw new EngineError('bad_input', `steering layer ${t.layer} is outside 0..${numLayers - 1}`, 'Pick a layer of the loaded model.');
      }
      if (t.vector.length !== hidden) {
        throw new EngineError(
          'bad_input',
          `steering vector has ${t.vector.length} values; the model's hidden size is ${hidden}`,
          'The vector was made for another model.',
        );
      }
      if (!Number.isFinite(t.alpha)) throw new EngineError('bad_input', `steering strength α is ${t.alpha}`, 'Use a finite number.');
      const bad = t.vector.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0)
        throw new EngineError('bad_input', `steering vector value ${bad} is ${t.vector[bad]}`, 'The vector file is damaged: re-extract or re-import it.');
      const base = (b * numLayers + t.layer) * hidden;
      for (let h = 0; h < hidden; h++) out[base + h] += t.alpha * t.vector[h];
    }
  });
  return out;
}

/** [B * S] mask of the positions a pass steers, for a position mode. */
export function steerPositions(mode: PositionMode, batch: number, seq: number, isPrefill: boolean): Float32Array {
  const out = new Float32Array(batch * seq);
  if (mode === 'all' || (mode === 'prompt' && isPrefill)) out.fill(1);
  else if (mode === 'response') for (let b = 0; b < batch; b++) out[b * seq + seq - 1] = 1;
  return out;
}
