/**
 * The lab's one zustand store, combined from one slice per concern. Actions live in plain module
 * functions (src/state/actions/*) that call `lab.setState`, so worker callbacks can use them
 * without hooks. `resetLab()` gives tests a fresh store.
 */
import { create } from 'zustand';
import { initialModel, type ModelSlice } from './modelSlice';
import { initialTraits, type TraitsSlice } from './traitsSlice';
import { initialVectors, type VectorsSlice } from './vectorsSlice';
import { initialSteering, type SteeringSlice } from './steeringSlice';
import { initialPresets, type PresetsSlice } from './presetsSlice';
import { initialUi, type UiSlice } from './uiSlice';
import { alphaClamp } from './alphaClamp';
import { guardNameRecords } from './nameRecordGuard';
import { writeRule } from './writeRule';

export type LabState = ModelSlice & TraitsSlice & VectorsSlice & SteeringSlice & PresetsSlice & UiSlice;

export function initialState(): LabState {
  return guardNameRecords(structuredClone({ ...initialModel, ...initialTraits, ...initialVectors, ...initialSteering, ...initialPresets, ...initialUi }));
}

/**
 * Every write to the store passes two rules, as middlewares. First, records keyed by a user's
 * names (vectors, α per trait, a turn's α and projections) become prototype-free
 * (nameRecordGuard.ts). Then α values that enter are clamped to the position mode's range, with
 * `alphaNote` saying what changed (alphaClamp.ts).
 */
const nameRecords = writeRule<LabState>((_s, patch) => guardNameRecords(patch));

export const lab = create<LabState>()(alphaClamp<LabState>()(nameRecords(() => initialState())));

export const useLab = lab;
export const getLab = (): LabState => lab.getState();
export const setLab = (partial: Partial<LabState> | ((s: LabState) => Partial<LabState>)): void => lab.setState(partial);

/** Back to the initial state (tests). */
export function resetLab(): void {
  lab.setState(initialState(), true);
}
