/** Presets slice: saved steering setups and the outcome of opening a share link. */
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
