/**
 * Store write rule (store.ts applies it to every write): the records the lab keys by a user's
 * names — vectors and α per trait, a turn's α and its monitor's projections — are kept
 * prototype-free (src/persona/nameRecord.ts), whatever built them: an action's spread, JSON from
 * localStorage, a structured clone from IndexedDB, an imported lab file. So `vectors[name]` is
 * the vector of that name or undefined, even for a trait called "__proto__" or "constructor".
 * Records that are already prototype-free pass through unchanged (same reference).
 */
import { asNameRecord, isNameRecord } from '../persona/nameRecord';
import type { ChatTurn, TokenMonitor } from './types';

interface RecordFields {
  vectors?: Record<string, unknown>;
  alphas?: Record<string, number>;
  turns?: ChatTurn[];
  monitorResult?: TokenMonitor | null;
}

function guardMonitor(m: TokenMonitor): TokenMonitor {
  if (isNameRecord(m.projections) && isNameRecord(m.lastPrompt)) return m;
  return { ...m, projections: asNameRecord(m.projections), lastPrompt: asNameRecord(m.lastPrompt) };
}

function guardTurn(t: ChatTurn): ChatTurn {
  const monitorOk = !t.monitor || (isNameRecord(t.monitor.projections) && isNameRecord(t.monitor.lastPrompt));
  if (isNameRecord(t.alphas) && monitorOk) return t;
  return { ...t, alphas: asNameRecord(t.alphas), ...(t.monitor ? { monitor: guardMonitor(t.monitor) } : {}) };
}

/** The patch with its name-keyed records made prototype-free (the patch itself when they already are). */
export function guardNameRecords<P extends RecordFields>(patch: P): P {
  let out: P | null = null;
  const set = <K extends keyof RecordFields>(k: K, v: RecordFields[K]) => {
    out ??= { ...patch };
    (out as RecordFields)[k] = v;
  };
  if (patch.vectors && !isNameRecord(patch.vectors)) set('vectors', asNameRecord(patch.vectors));
  if (patch.alphas && !isNameRecord(patch.alphas)) set('alphas', asNameRecord(patch.alphas));
  if (Array.isArray(patch.turns)) {
    const turns = patch.turns.map(guardTurn);
    if (turns.some((t, i) => t !== patch.turns![i])) set('turns', turns);
  }
  if (patch.monitorResult) {
    const m = guardMonitor(patch.monitorResult);
    if (m !== patch.monitorResult) set('monitorResult', m);
  }
  return out ?? patch;
}
