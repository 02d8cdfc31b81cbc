/**
 * Which judge a pipeline command uses, and what to say when it gave no usable score. The default
 * follows the lab: the lexicon judge for the demo traits (on any model, as the UI offers it), the
 * loaded model judging itself otherwise.
 */
import { DEMO_TRAIT_NAMES, isDemoTrait } from '../persona/lexiconJudge';
import type { JudgeKind } from '../persona/pipeline';

export interface JudgeChoiceMade {
  kind: JudgeKind;
  /** True when --judge named it; false when it is the default for the trait. */
  explicit: boolean;
}

/** The judge --judge names, else the default for the trait. */
export function chooseJudge(flag: string | undefined, traitName: string): JudgeChoiceMade {
  if (flag !== undefined) return { kind: flag as JudgeKind, explicit: true };
  return { kind: isDemoTrait(traitName) ? 'lexicon' : 'self', explicit: false };
}

/** Why a judge produced no usable score, and what to do: one line for stderr. */
export function noScoreReason(choice: JudgeChoiceMade, traitName: string, modelId: string): string {
  const lexiconHint = isDemoTrait(traitName)
    ? '--judge lexicon'
    : `--judge openai --judge-model <model> (the lexicon judge knows only the demo traits ${DEMO_TRAIT_NAMES.join(', ')})`;
  switch (choice.kind) {
    case 'none':
      return `--judge none scores nothing, so there is no score to report; use ${lexiconHint}`;
    case 'self': {
      const why = choice.explicit ? '--judge self' : `no --judge given and trait "${traitName}" has no lexicon, so the model judged itself, but`;
      return `${why} ${choice.explicit ? 'gave' : 'it gave'} no usable score: ${modelId} put too little probability on the integer answers 0–100 (a small model cannot rate answers); use ${lexiconHint}`;
    }
    case 'openai':
      return '--judge openai gave no usable score (every reply was a refusal or had no number 0–100); check --judge-model and the endpoint';
    case 'lexicon':
      return `the lexicon judge gave no usable score for trait "${traitName}"`;
  }
}
