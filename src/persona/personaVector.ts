/**
 * The in-memory persona vector: float32 [L+1, hidden] in the `hf_hidden_states` convention
 * (docs/ARCHITECTURE.md §3): row 0 = `embed`, row l+1 = `blocks.{l}.resid_post`. Every file format
 * (safetensors, GGUF control vector, Neuronpedia JSON) converts to and from this one type.
 */
import { hookName, rowOfLayer } from '../engine/hooks';

export const CONVENTION = 'hf_hidden_states';
export type Readout = 'response_avg' | 'prompt_avg' | 'prompt_last';
export const READOUTS: readonly Readout[] = ['response_avg', 'prompt_avg', 'prompt_last'];

export interface VectorMeta {
  modelId?: string;
  trait?: string;
  readout?: Readout;
  /** Chosen decoder block l (steer `blocks.{l}.resid_post`, row l+1). */
  layer?: number;
  /** Other string metadata carried through unchanged. */
  extra?: Record<string, string>;
}

export interface PersonaVector {
  /** L+1: the embedding row plus one row per decoder block. */
  rows: number;
  hidden: number;
  /** Row-major [rows, hidden]. */
  data: Float32Array;
  /** Rows that hold data; undefined = all. Files that carry only some layers leave the rest zero. */
  presentRows?: number[];
  meta: VectorMeta;
}

/** Number of decoder blocks L of a vector. */
export function numLayers(v: PersonaVector): number {
  return v.rows - 1;
}

/** A view of row r (no copy). */
export function vectorRow(v: PersonaVector, row: number): Float32Array {
  if (!Number.isInteger(row) || row < 0 || row >= v.rows) {
    throw new RangeError(`row ${row} is outside 0..${v.rows - 1} (${hookName(0)} … ${hookName(v.rows - 1)})`);
  }
  return v.data.subarray(row * v.hidden, (row + 1) * v.hidden);
}

/** Rows that hold data, in order. */
export function presentRows(v: PersonaVector): number[] {
  return v.presentRows ? [...v.presentRows] : Array.from({ length: v.rows }, (_, r) => r);
}

/** Build a persona vector, checking the data length. */
export function makePersonaVector(rows: number, hidden: number, data: Float32Array, meta: VectorMeta = {}, present?: number[]): PersonaVector {
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`a persona vector needs at least one row, got ${rows}`);
  if (!Number.isInteger(hidden) || hidden < 1) throw new Error(`hidden size must be a positive integer, got ${hidden}`);
  if (data.length !== rows * hidden) {
    throw new Error(`persona vector data has ${data.length} values; [${rows}, ${hidden}] needs ${rows * hidden}`);
  }
  const v: PersonaVector = { rows, hidden, data, meta };
  if (present) v.presentRows = [...new Set(present)].sort((a, b) => a - b);
  return v;
}

export interface ExpectedShape {
  hidden?: number;
  numLayers?: number;
  modelId?: string;
}

/**
 * Problems that make a vector unusable for a model, as sentences; [] when fine.
 * Checks NaN/Inf (first few positions reported), hidden size and layer count.
 */
export function vectorProblems(v: PersonaVector, expected: ExpectedShape = {}): string[] {
  const out: string[] = [];
  if (v.data.length !== v.rows * v.hidden) out.push(`data has ${v.data.length} values but shape [${v.rows}, ${v.hidden}] needs ${v.rows * v.hidden}`);
  if (expected.hidden !== undefined && v.hidden !== expected.hidden) {
    out.push(
      `hidden size is ${v.hidden} but the model has ${expected.hidden}; this vector was made for a different model${v.meta.modelId ? ` (${v.meta.modelId})` : ''}`,
    );
  }
  if (expected.numLayers !== undefined && v.rows !== expected.numLayers + 1) {
    out.push(`vector has ${v.rows} rows (${v.rows - 1} blocks) but the model has ${expected.numLayers} blocks, so ${expected.numLayers + 1} rows are needed`);
  }
  let bad = 0;
  const first: string[] = [];
  for (let i = 0; i < v.data.length; i++) {
    if (!Number.isFinite(v.data[i])) {
      if (first.length < 3) first.push(`${hookName(Math.floor(i / v.hidden))}[${i % v.hidden}] = ${v.data[i]}`);
      bad++;
    }
  }
  if (bad > 0) out.push(`${bad} value(s) are NaN or infinite (${first.join(', ')}); recompute the vector`);
  if (v.meta.layer !== undefined && (!Number.isInteger(v.meta.layer) || v.meta.layer < 0 || rowOfLayer(v.meta.layer) >= v.rows)) {
    out.push(`chosen layer ${v.meta.layer} is not a block of this vector (0..${v.rows - 2})`);
  }
  return out;
}

/** Throw an Error listing every problem, or return the vector. */
export function assertVector(v: PersonaVector, expected: ExpectedShape = {}): PersonaVector {
  const p = vectorProblems(v, expected);
  if (p.length) throw new Error(`invalid persona vector: ${p.join('; ')}`);
  return v;
}
