/** UI slice: tab, theme, tour, the monitor's pasted text and the screening job. */
import type { JobProgress, ScreenRow, Tab, Theme, TokenMonitor, UiError } from './types';

export interface ScreenState {
  fileName: string | null;
  trait: string | null;
  flagPercentile: number;
  /** Full ΔP: generate the model's own answer (slower); else the cheap variant. */
  full: boolean;
  rows: ScreenRow[];
  parseErrors: { line: number; message: string }[];
  threshold: number | null;
  progress: JobProgress | null;
  error: UiError | null;
}

export interface UiSlice {
  tab: Tab;
  theme: Theme;
  /** 0-based tour step, or null when the tour is closed. */
  tourStep: number | null;
  tourBusy: boolean;
  tourError: UiError | null;
  monitorText: string;
  monitorResult: TokenMonitor | null;
  monitorError: UiError | null;
  monitorBusy: boolean;
  screen: ScreenState;
}

export const initialUi: UiSlice = {
  tab: 'model',
  theme: 'dark',
  tourStep: null,
  tourBusy: false,
  tourError: null,
  monitorText: '',
  monitorResult: null,
  monitorError: null,
  monitorBusy: false,
  screen: { fileName: null, trait: null, flagPercentile: 95, full: true, rows: [], parseErrors: [], threshold: null, progress: null, error: null },
};
