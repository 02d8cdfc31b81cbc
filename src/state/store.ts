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

export type LabState = ModelSlice & TraitsSlice & VectorsSlice & SteeringSlice & PresetsSlice & UiSlice;

export function initialState(): LabState {
  return structuredClone({ ...initialModel, ...initialTraits, ...initialVectors, ...initialSteering, ...initialPresets, ...initialUi });
}

export const lab = create<LabState>()(() => initialState());

export const useLab = lab;
export const getLab = (): LabState => lab.getState();
export const setLab = (partial: Partial<LabState> | ((s: LabState) => Partial<LabState>)): void => lab.setState(partial);

/** Back to the initial state (tests). */
export function resetLab(): void {
  lab.setState(initialState(), true);
}
