/** Presets slice: saved steering setups and the outcome of opening a share link. */
import { clampAlpha, labAlphaLimits } from '../persona/steering';
import type { Preset } from './types';

export interface ShareNotice {
  kind: 'restored' | 'mismatch' | 'error';
  message: string;
  hint?: string;
  /** For a mismatch: the model the preset needs. */
  modelId?: string;
}

export interface PresetsSlice {
  presets: Preset[];
  shareNotice: ShareNotice | null;
  /** The last share link made, shown so it can be copied by hand. */
  lastShareLink: string | null;
}

export const initialPresets: PresetsSlice = { presets: [], shareNotice: null, lastShareLink: null };

/**
 * A preset's α values kept within the lab's sensible range for its position mode (labAlphaLimits),
 * relative to the typical residual norm it carries when known. Returns the preset (the same object when nothing
 * changed) and one note per clamped trait.
 */
export function clampPresetAlphas(p: Preset): { preset: Preset; notes: string[] } {
  const notes: string[] = [];
  const limits = labAlphaLimits(p.positions);
  const traits = p.traits.map((t) => {
    let n = 0;
    for (let i = 0; i < t.vector.length; i++) n += t.vector[i] * t.vector[i];
    const c = t.typicalNorm && n > 0 ? clampAlpha(t.alpha, Math.sqrt(n), t.typicalNorm, limits) : clampAlpha(t.alpha, undefined, undefined, limits);
    if (!c.note) return t;
    notes.push(`preset "${p.name}", ${t.name}: ${c.note} (${p.positions} mode)`);
    return { ...t, alpha: Number(c.alpha.toPrecision(6)) };
  });
  return notes.length ? { preset: { ...p, traits }, notes } : { preset: p, notes };
}
