/** Traits slice: the trait library (built-ins, the demo model's traits, the user's own). */
import { BUILTIN_TRAITS } from '../persona/traits';
import type { TraitEntry, TraitIssue } from './types';

export interface TraitsSlice {
  traits: TraitEntry[];
  selectedTrait: string | null;
  /** Problems of the last import or edit, shown under the editor. */
  traitIssues: TraitIssue[];
}

export const initialTraits: TraitsSlice = {
  traits: BUILTIN_TRAITS.map((set) => ({ set, origin: 'builtin' as const })),
  selectedTrait: null,
  traitIssues: [],
};
