/** Coefficient sweep: the last prompt at α = −2…2 for one trait in ONE batched generate call, judged. */
import { isDemoTrait, judgeTrait } from '../../persona/lexiconJudge';
import { getEngine, toUiError } from '../engine';
import { getLab, setLab } from '../store';
import { promptFor } from './chat';
import { atSteeringPrecision } from '../../persona/steeringPrecision';
import { vectorRowAt } from './steer';

export const SWEEP_ALPHAS = [-2, -1, 0, 1, 2];

export async function runSweep(trait: string, alphas: number[] = SWEEP_ALPHAS): Promise<void> {
  const s = getLab();
  const v = s.vectors[trait];
  const layer = s.layer;
  const lastTurn = s.turns[s.turns.length - 1];
  const prompt = lastTurn?.user ?? s.draft.trim();
  if (!v || layer === null || !prompt || s.loadState !== 'ready') {
    setLab({ chatError: { message: 'the sweep needs a loaded model, a trait vector and a message', hint: 'Send a message first, then sweep.' } });
    return;
  }
  const row = vectorRowAt(v, layer);
  if (!row) {
    setLab({ chatError: { message: `the ${trait} vector has no data at layer ${layer}`, hint: 'Choose another layer.' } });
    return;
  }
  const index = lastTurn ? s.turns.length - 1 : s.turns.length;
  const input = promptFor(s, index, prompt);
  setLab({ sweepRunning: true, chatError: null });
  try {
    const res = await getEngine().generate({
      rows: alphas.map((alpha) => ({ prompt: input, steering: alpha === 0 ? null : [{ layer, alpha, vector: atSteeringPrecision(row) }] })),
      positions: s.positions,
      maxNewTokens: s.maxNewTokens,
      sampling: s.sampling,
      seed: s.seed,
    });
    const judge = isDemoTrait(trait);
    setLab({
      sweep: { trait, layer, prompt, points: res.rows.map((r, i) => ({ alpha: alphas[i], text: r.text, score: judge ? judgeTrait(trait, r.text) : null })) },
    });
  } catch (e) {
    setLab({ chatError: toUiError(e) });
  } finally {
    setLab({ sweepRunning: false });
  }
}
