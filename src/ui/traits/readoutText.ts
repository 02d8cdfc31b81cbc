/** What each readout (docs/ARCHITECTURE.md §4 "Activations") averages, in a line for the extraction settings and the vector's description. */
import type { Readout } from '../../state/types';

export const READOUT_HELP: Record<Readout, string> = {
  response_avg: "mean over the answer's tokens (the paper's default): steers the answer as it is written",
  prompt_avg: "mean over the prompt's tokens: how the model reads the question under each system prompt",
  prompt_last: 'the last prompt token, just before the answer starts: pair it with Positions "prompt only"',
};

/** The readout a vector was made with (absent on older saved vectors = response_avg). */
export function readoutOf(v: { readout?: Readout }): Readout {
  return v.readout ?? 'response_avg';
}
