/**
 * Names for imported items that meet a saved item of the same name (issue 20: imports never
 * overwrite silently). An item whose content equals the saved one is the saved one: nothing is
 * written. One whose content differs is kept beside it under "<name> (from link)", then
 * "<name> (from link) 2", … — the first of those that is free or already holds the same content
 * (so opening one link twice does not pile up copies). Names stay within the name limit: the
 * base is shortened to make room for the suffix.
 */
import { int8Scale } from '../persona/steeringPrecision';
import type { VectorEntry } from './types';

export type NameCheck = 'free' | 'same' | 'taken';

export interface ImportedName {
  name: string;
  /** The saved item under `name` has the same content: keep it, write nothing. */
  same: boolean;
}

/** The name an imported item is kept under; `check` says how a candidate name stands. */
export function importedName(base: string, source: string, limit: number, check: (name: string) => NameCheck): ImportedName {
  for (let i = 1; ; i++) {
    const suffix = i === 1 ? '' : i === 2 ? ` (from ${source})` : ` (from ${source}) ${i - 1}`;
    const name = suffix ? `${base.slice(0, Math.max(1, limit - suffix.length))}${suffix}` : base;
    const c = check(name);
    if (c !== 'taken') return { name, same: c === 'same' };
  }
}

/**
 * Does a saved vector hold what a link's one row holds? Same model, same width, the row present,
 * and every value within one int8 step of the saved row (links carry rows as int8 or float16).
 */
export function sameLinkRow(saved: VectorEntry, modelId: string, row: number, values: Float32Array): boolean {
  if (saved.modelId !== modelId || saved.hidden !== values.length || row >= saved.rows) return false;
  if (saved.presentRows && !saved.presentRows.includes(row)) return false;
  const r = saved.data.subarray(row * saved.hidden, (row + 1) * saved.hidden);
  let max = 0;
  for (let i = 0; i < r.length; i++) max = Math.max(max, Math.abs(r[i]));
  const step = int8Scale(max);
  for (let i = 0; i < r.length; i++) if (!(Math.abs(r[i] - values[i]) <= step)) return false;
  return true;
}

/** Do two vectors hold the same data for the same model (bit for bit, as a lab file carries them)? */
export function sameVector(a: VectorEntry, b: VectorEntry): boolean {
  if (a.modelId !== b.modelId || a.rows !== b.rows || a.hidden !== b.hidden || a.data.length !== b.data.length) return false;
  const x = new Uint32Array(a.data.buffer, a.data.byteOffset, a.data.length);
  const y = new Uint32Array(b.data.buffer, b.data.byteOffset, b.data.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
