/** Monitor actions: analyse any pasted text; recompute the conversation's per-turn projections. */
import type { PromptInput } from '../../engine/api';
import { freeTextPrompt, promptFormatOf, type PromptFormat } from '../../persona/promptFormat';
import { getEngine, toUiError } from '../engine';
import { getLab, setLab } from '../store';
import { monitorTurn, monitoredVectors } from './chat';
import { monitorFromCapture } from './monitorMath';

/** The prompt the analysed text answers: a user turn (none when empty) in chat, the plain text (or a line break) for a base model. */
function monitorPrompt(format: PromptFormat, prompt: string): PromptInput {
  // A base model's capture needs some prompt: a bare line break when none was given.
  if (format === 'completion') return freeTextPrompt(format, null, [], prompt || '\n');
  return { messages: prompt ? [{ role: 'user', content: prompt }] : [] };
}

export function setMonitorText(monitorText: string): void {
  setLab({ monitorText });
}

/** Captures `text` as the model's reply to `prompt` (empty = no user turn) and projects every token. */
export async function analyseText(text: string, prompt = ''): Promise<void> {
  const s = getLab();
  if (s.loadState !== 'ready' || !s.info || s.layer === null) {
    setLab({ monitorError: { message: 'no model is loaded', hint: 'Load a model first; projections are read from its residual stream.' } });
    return;
  }
  if (!text.trim()) {
    setLab({ monitorError: { message: 'there is no text to analyse', hint: 'Paste some text first.' } });
    return;
  }
  setLab({ monitorBusy: true, monitorError: null });
  try {
    const res = await getEngine().capture({ rows: [{ prompt: monitorPrompt(promptFormatOf(s.info), prompt.trim()), response: text }] });
    const layer = getLab().layer ?? s.layer;
    setLab({ monitorResult: monitorFromCapture(res.rows[0], res.numRows, res.hiddenSize, layer, monitoredVectors(getLab(), layer)) });
  } catch (e) {
    setLab({ monitorError: toUiError(e, "Shorten the text: it must fit in the model's context.") });
  } finally {
    setLab({ monitorBusy: false });
  }
}

/** Recomputes every finished turn's projections with the current vectors and layer. */
export async function recomputeDrift(): Promise<void> {
  setLab({ monitorBusy: true, monitorError: null });
  try {
    for (const t of getLab().turns) if (t.status === 'done') await monitorTurn(t.id);
  } finally {
    setLab({ monitorBusy: false });
  }
}
