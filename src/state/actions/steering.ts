/**
 * Steering actions: the sliders, the layer, the position mode and sampling, and which traits have
 * a slider. Each writes the store (where the α clamp middleware, alphaClamp.ts, keeps α in range)
 * and schedules the re-generation of the last reply (chat.ts).
 */
import { setLab, type LabState } from '../store';
import { scheduleRegenerate } from './chat';

export function setAlpha(trait: string, alpha: number, regenerate = true): void {
  setLab((s) => ({ alphas: { ...s.alphas, [trait]: alpha } }));
  if (regenerate) scheduleRegenerate(undefined, true);
}

export function setLayer(layer: number): void {
  setLab({ layer });
  scheduleRegenerate(undefined, true);
}

export function setSteeringOption(
  patch: Partial<Pick<LabState, 'positions' | 'sampling' | 'seed' | 'maxNewTokens' | 'systemPrompt'>>,
  regenerate = true,
): void {
  setLab(patch);
  if (regenerate)
    scheduleRegenerate(
      undefined,
      Object.keys(patch).every((k) => k === 'positions'),
    );
}

export function toggleActive(trait: string, on: boolean): void {
  setLab((s) => ({ active: on ? (s.active.includes(trait) ? s.active : [...s.active, trait]) : s.active.filter((t) => t !== trait) }));
}
