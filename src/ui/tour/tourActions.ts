/** Tour navigation: go to a step (running it live), close. */
import { setLab, getLab } from '../../state/store';
import { toUiError } from '../../state/engine';
import { TOUR } from './steps';

let generation = 0;

export function startTour(step = 0): void {
  void goToTourStep(step);
}

export async function goToTourStep(step: number): Promise<void> {
  const i = Math.max(0, Math.min(TOUR.length - 1, step));
  const gen = ++generation;
  setLab({ tourStep: i, tourBusy: true, tab: TOUR[i].tab, tourError: null });
  try {
    await TOUR[i].run();
  } catch (e) {
    if (gen === generation) setLab({ tourError: toUiError(e) });
  } finally {
    if (gen === generation) setLab({ tourBusy: false, tab: getLab().tourStep === i ? TOUR[i].tab : getLab().tab });
  }
}

export function closeTour(): void {
  generation++;
  setLab({ tourStep: null, tourBusy: false });
}
