/**
 * The lab's one zustand store, combined from one slice per concern. Actions live in plain module
 * functions (src/state/actions/*) that call `lab.setState`, so worker callbacks can use them
 * without hooks. `resetLab()` gives tests a fresh store.
 */
import { create } from 'zustand';
import { initialModel, type ModelSlice } from './modelSlice';
import { initialTraits, type TraitsSlice } from './traitsSlice';
import { initialVectors, type VectorsSlice } from './vectorsSlice';
import { clampEnteringAlphas, initialSteering, type SteeringSlice } from './steeringSlice';
import { initialPresets, type PresetsSlice } from './presetsSlice';
import { initialUi, type UiSlice } from './uiSlice';
import { guardNameRecords } from './nameRecordGuard';

export type LabState = ModelSlice & TraitsSlice & VectorsSlice & SteeringSlice & PresetsSlice & UiSlice;

export function initialState(): LabState {
  return guardNameRecords(structuredClone({ ...initialModel, ...initialTraits, ...initialVectors, ...initialSteering, ...initialPresets, ...initialUi }));
}

/**
 * Every write to the store passes two rules. First, records keyed by a user's names (vectors, α
 * per trait, a turn's α and projections) become prototype-free (nameRecordGuard.ts). Then α
 * values that enter (from a slider, a preset, a share link, a restored or imported lab) are
 * clamped to the sensible range for the position mode, and a change of position mode clamps every
 * α to the new mode's range, with `alphaNote` saying what changed (steeringSlice.ts). A write
 * that changes α without clamping clears the note.
 */
function guardAlphas(s: LabState, patch: Partial<LabState>): Partial<LabState> {
  const positions = patch.positions ?? s.positions;
  const modeChanged = positions !== s.positions;
  if (!modeChanged && (!patch.alphas || patch.alphas === s.alphas)) return patch;
  const alphas = patch.alphas ?? s.alphas;
  const c = clampEnteringAlphas(s.alphas, alphas, patch.vectors ?? s.vectors, patch.layer !== undefined ? patch.layer : s.layer, positions, modeChanged);
  if (c.note) return { ...patch, alphas: c.alphas, alphaNote: c.note };
  if (!patch.alphas) return patch;
  return 'alphaNote' in patch || s.alphaNote === null ? patch : { ...patch, alphaNote: null };
}

export const lab = create<LabState>()((_set, _get, api) => {
  const raw = api.setState;
  api.setState = ((partial: Partial<LabState> | ((s: LabState) => Partial<LabState>), replace?: boolean) => {
    raw((s: LabState) => {
      const patch = guardAlphas(s, guardNameRecords(typeof partial === 'function' ? partial(s) : partial));
      return replace ? (patch as LabState) : patch;
    }, replace as false);
  }) as typeof api.setState;
  return initialState();
});

export const useLab = lab;
export const getLab = (): LabState => lab.getState();
export const setLab = (partial: Partial<LabState> | ((s: LabState) => Partial<LabState>)): void => lab.setState(partial);

/** Back to the initial state (tests). */
export function resetLab(): void {
  lab.setState(initialState(), true);
}
