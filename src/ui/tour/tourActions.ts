import { setLab } from '../../state/store';
export function startTour(step: number): void {
  setLab({ tourStep: step });
}
export async function goToTourStep(step: number): Promise<void> {
  setLab({ tourStep: step });
}
