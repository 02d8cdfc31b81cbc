/** Vectors slice: persona vectors per trait and the extraction job. */
import { READOUTS } from '../persona/personaVector';
import type { JobProgress, Readout, UiError, VectorEntry } from './types';

export interface ExtractSettings {
  /** Extraction questions used per trait. */
  questions: number;
  /** Instruction pairs used. */
  pairs: number;
  /** Samples per (question, pair, side); 1 = greedy. */
  samples: number;
  maxNewTokens: number;
  /** Keep only pairs the judge scores pos ≥ 50 and neg < 50 (when a judge is available). */
  filter: boolean;
  /** Which activations make the vector: response_avg (the paper's), prompt_avg or prompt_last. */
  readout: Readout;
}

export const DEFAULT_EXTRACT_SETTINGS: ExtractSettings = { questions: 6, pairs: 5, samples: 1, maxNewTokens: 40, filter: true, readout: 'response_avg' };

/**
 * Saved or imported extraction settings made before a field existed get that field's default (and
 * a readout this lab does not know becomes the default: a damaged settings document is not fatal).
 */
export function withExtractDefaults(saved: Partial<ExtractSettings>): ExtractSettings {
  const out = { ...DEFAULT_EXTRACT_SETTINGS, ...saved };
  return READOUTS.includes(out.readout) ? out : { ...out, readout: DEFAULT_EXTRACT_SETTINGS.readout };
}

export interface VectorsSlice {
  vectors: Record<string, VectorEntry>;
  extraction: { trait: string; progress: JobProgress; phase: string } | null;
  extractError: UiError | null;
  /** Problem of the last vector download or import (role="alert" under the trait's vector). */
  vectorFileError: UiError | null;
  /** A checked vector file waiting for the user's answer: it would replace the trait's vector. */
  vectorReplace: PendingVectorReplace | null;
  extractSettings: ExtractSettings;
}

/** "Import vector" onto a trait that has a vector: the file, kept until the user says Replace or Keep. */
export interface PendingVectorReplace {
  trait: string;
  fileName: string;
  bytes: Uint8Array;
}

export const initialVectors: VectorsSlice = {
  vectors: {},
  extraction: null,
  extractError: null,
  vectorFileError: null,
  vectorReplace: null,
  extractSettings: DEFAULT_EXTRACT_SETTINGS,
};
