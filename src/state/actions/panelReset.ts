/**
 * "Reset this panel" after a panel failed to render: each panel clears only what it shows (its
 * view state, its messages, chat turns too damaged to show). Saved traits, vectors and presets are
 * never touched here, so recovering a panel never costs saved work; the boundary offers
 * "Export lab" beside it for everything else.
 */
import { isObj } from '../../share/schema';
import { getLab, setLab } from '../store';
import type { ChatTurn, Tab } from '../types';
import { initialUi } from '../uiSlice';

/** A chat turn the chat panel can show (what a damaged settings document may lack). */
export function isShowableTurn(t: unknown): t is ChatTurn {
  if (!isObj(t)) return false;
  const strings = ['id', 'user', 'unsteered', 'steered'].every((k) => typeof t[k] === 'string');
  const alphas = isObj(t.alphas) && Object.values(t.alphas).every((a) => typeof a === 'number' && Number.isFinite(a));
  const status = ['running', 'done', 'cancelled', 'error'].includes(t.status as string);
  const monitor =
    t.monitor === undefined || (isObj(t.monitor) && Array.isArray(t.monitor.tokens) && isObj(t.monitor.projections) && Array.isArray(t.monitor.layerNorms));
  return strings && alphas && status && monitor && (t.layer === null || Number.isInteger(t.layer)) && Number.isFinite(t.seed);
}

/** What "Reset this panel" does, in words, and the reset itself. */
export const PANEL_RESETS: Record<Tab, { what: string; reset: () => void }> = {
  model: {
    what: 'clears the model box and its messages',
    reset: () => setLab({ modelText: 'demo', modelError: null, loadProgress: null, loadStage: null }),
  },
  chat: {
    what: 'sets aside the chat turns it cannot show and closes the sweep',
    reset: () => {
      const turns = Array.isArray(getLab().turns) ? getLab().turns : [];
      setLab({ turns: turns.filter(isShowableTurn), sweep: null, chatError: null, draft: typeof getLab().draft === 'string' ? getLab().draft : '' });
    },
  },
  traits: {
    what: 'closes the selected trait and clears its messages',
    reset: () => setLab({ selectedTrait: null, traitIssues: [], extractError: null, vectorFileError: null, vectorReplace: null }),
  },
  monitor: {
    what: 'clears the pasted text and its chart',
    reset: () => setLab({ monitorText: '', monitorResult: null, monitorError: null }),
  },
  screen: {
    what: 'clears the screened file and its results',
    reset: () => setLab({ screen: structuredClone(initialUi.screen) }),
  },
  presets: {
    what: 'clears the link and import messages',
    reset: () => setLab({ shareNotice: null, lastShareLink: null }),
  },
};
