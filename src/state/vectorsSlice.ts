/** Vectors slice: persona vectors per trait and the extraction job. */
import type { JobProgress, UiError, VectorEntry } from './types';

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
}

export interface VectorsSlice {
  vectors: Record<string, VectorEntry>;
  extraction: { trait: string; progress: JobProgress; phase: string } | null;
  extractError: UiError | null;
  /** Problem of the last vector download or import (role="alert" under the trait's vector). */
  vectorFileError: UiError | null;
  extractSettings: ExtractSettings;
}

export const initialVectors: VectorsSlice = {
  vectors: {},
  extraction: null,
  extractError: null,
  vectorFileError: null,
  extractSettings: { questions: 6, pairs: 5, samples: 1, maxNewTokens: 40, filter: true },
};
