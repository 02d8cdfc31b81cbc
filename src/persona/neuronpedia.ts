/**
 * Neuronpedia steering JSON: `{ "vectors": [{ "steering_vector": number[], "strength": number,
 * "hook": "blocks.{l}.hook_resid_post" }] }`, hook names in TransformerLens vocabulary (docs/ARCHITECTURE.md §3):
 *   row 0 (embed)                    ↔ blocks.0.hook_resid_pre
 *   row l+1 (blocks.{l}.resid_post)  ↔ blocks.{l}.hook_resid_post
 * On import, `blocks.{l}.hook_resid_pre` for l ≥ 1 is the same activation as
 * `blocks.{l-1}.hook_resid_post` (row l).
 *
 * We add a `persona_lab` object holding our metadata (as strings), which other readers ignore, so
 * that round trips keep model id, trait, readout and chosen layer.
 */
import { assertVector, makePersonaVector, type ExpectedShape, type PersonaVector } from './personaVector';
import { rowOfLayer } from '../engine/hooks';
import { nameRecord } from './nameRecord';
import { metaFromMetadata, vectorMetadata } from './vectorFile';

export interface NeuronpediaSteeringVector {
  steering_vector: number[];
  strength: number;
  hook: string;
}

export interface NeuronpediaSteeringJson {
  vectors: NeuronpediaSteeringVector[];
  persona_lab?: Record<string, string>;
}

/** TransformerLens hook name of a vector row. */
export function tlHookOfRow(row: number): string {
  if (!Number.isInteger(row) || row < 0) throw new RangeError(`row must be a non-negative integer, got ${row}`);
  return row === 0 ? 'blocks.0.hook_resid_pre' : `blocks.${row - 1}.hook_resid_post`;
}

/** Vector row of a TransformerLens residual hook name. */
export function rowOfTlHook(hook: string): number {
  const m = /^blocks\.(\d+)\.hook_resid_(pre|post)$/.exec(hook);
  if (!m) throw new Error(`hook "${hook}" is not a residual-stream hook; expected blocks.{l}.hook_resid_post or blocks.{l}.hook_resid_pre`);
  const l = Number(m[1]);
  return m[2] === 'pre' ? l : rowOfLayer(l);
}

export interface NeuronpediaExportOptions {
  /** Rows to export. Default: the chosen layer's row, else every present row. */
  rows?: number[];
  /** Strength written with each vector (default 1). The steering_vector itself is not scaled. */
  strength?: number;
  /** Include the persona_lab metadata object (default true). */
  includeMetadata?: boolean;
}

/** Build the Neuronpedia steering object for a vector. */
export function toNeuronpedia(v: PersonaVector, opts: NeuronpediaExportOptions = {}): NeuronpediaSteeringJson {
  assertVector(v);
  const strength = opts.strength ?? 1;
  if (!Number.isFinite(strength)) throw new Error(`strength must be a finite number, got ${strength}`);
  const present = v.presentRows ?? Array.from({ length: v.rows }, (_, r) => r);
  const rows = opts.rows ?? (v.meta.layer !== undefined ? [rowOfLayer(v.meta.layer)] : present);
  const vectors = rows.map((r) => {
    if (!present.includes(r)) throw new Error(`row ${r} has no data in this vector (rows present: ${present.join(', ')})`);
    return { steering_vector: Array.from(v.data.subarray(r * v.hidden, (r + 1) * v.hidden)), strength, hook: tlHookOfRow(r) };
  });
  const out: NeuronpediaSteeringJson = { vectors };
  if (opts.includeMetadata !== false) {
    const meta = vectorMetadata(v);
    meta.present_rows = rows.join(',');
    out.persona_lab = meta;
  }
  return out;
}

/** Serialise as JSON text. Each float32 is written as the shortest decimal that reads back to the same value, so nothing is lost. */
export function exportNeuronpedia(v: PersonaVector, opts: NeuronpediaExportOptions = {}): string {
  return JSON.stringify(toNeuronpedia(v, opts));
}

export interface NeuronpediaImportResult {
  vector: PersonaVector;
  /** Strength given per row in the file (not applied to the vector). */
  strengths: Record<number, number>;
}

/**
 * Parse Neuronpedia steering JSON (text or parsed object). Several entries for one row are summed
 * weighted by their strengths relative to the first entry's. `expected.numLayers` sets L when the
 * file has no persona_lab metadata.
 */
export function importNeuronpedia(input: string | unknown, expected: ExpectedShape = {}): NeuronpediaImportResult {
  let obj: unknown = input;
  if (typeof input === 'string') {
    try {
      obj = JSON.parse(input);
    } catch (e) {
      throw new Error(`Neuronpedia JSON: not valid JSON (${(e as Error).message})`);
    }
  }
  if (typeof obj !== 'object' || obj === null || !Array.isArray((obj as { vectors?: unknown }).vectors)) {
    throw new Error('Neuronpedia JSON: expected an object with a "vectors" array of {steering_vector, strength, hook}');
  }
  const { vectors, persona_lab } = obj as { vectors: unknown[]; persona_lab?: unknown };
  if (vectors.length === 0) throw new Error('Neuronpedia JSON: "vectors" is empty');
  let hidden = -1;
  const byRow = new Map<number, Float32Array>();
  const strengths = nameRecord<number>();
  vectors.forEach((e, i) => {
    const where = `Neuronpedia JSON: vectors[${i}]`;
    if (typeof e !== 'object' || e === null) throw new Error(`${where} must be an object`);
    const { steering_vector: sv, strength, hook } = e as Record<string, unknown>;
    if (typeof hook !== 'string') throw new Error(`${where}.hook must be a string such as "blocks.10.hook_resid_post"`);
    if (!Array.isArray(sv) || sv.length === 0) throw new Error(`${where}.steering_vector must be a non-empty array of numbers`);
    const bad = sv.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
    if (bad >= 0) throw new Error(`${where}.steering_vector[${bad}] is ${JSON.stringify(sv[bad])}, not a finite number`);
    if (strength !== undefined && (typeof strength !== 'number' || !Number.isFinite(strength))) throw new Error(`${where}.strength must be a finite number`);
    if (hidden === -1) hidden = sv.length;
    else if (sv.length !== hidden) throw new Error(`${where}.steering_vector has ${sv.length} values but earlier vectors have ${hidden}`);
    let row: number;
    try {
      row = rowOfTlHook(hook);
    } catch (err) {
      throw new Error(`${where}: ${(err as Error).message}`);
    }
    const s = (strength as number | undefined) ?? 1;
    const acc = byRow.get(row);
    if (acc) {
      const w = strengths[row] === 0 ? 1 : s / strengths[row];
      for (let k = 0; k < hidden; k++) acc[k] += w * (sv[k] as number);
    } else {
      byRow.set(row, Float32Array.from(sv as number[]));
      strengths[row] = s;
    }
  });
  let metaInfo: ReturnType<typeof metaFromMetadata> = { meta: {} };
  if (persona_lab !== undefined) {
    if (typeof persona_lab !== 'object' || persona_lab === null) throw new Error('Neuronpedia JSON: persona_lab must be an object of strings');
    const m = nameRecord<string>();
    for (const [k, val] of Object.entries(persona_lab)) if (typeof val === 'string') m[k] = val;
    metaInfo = metaFromMetadata(m);
    const h = m.hidden_size;
    if (h !== undefined && Number(h) !== hidden) {
      throw new Error(
        `Neuronpedia JSON: persona_lab.hidden_size says ${h} but the steering vectors have ${hidden} values; the file was changed after it was written`,
      );
    }
  }
  const present = [...byRow.keys()].sort((a, b) => a - b);
  const n = metaInfo.numLayers;
  if (n !== undefined && present[present.length - 1] > n) {
    const r = present[present.length - 1];
    throw new Error(`Neuronpedia JSON: ${tlHookOfRow(r)} is beyond the ${n} blocks persona_lab.num_layers says; the file was changed after it was written`);
  }
  const rows = Math.max(present[present.length - 1] + 1, (metaInfo.numLayers ?? expected.numLayers ?? 0) + 1);
  const data = new Float32Array(rows * hidden);
  for (const [r, vals] of byRow) data.set(vals, r * hidden);
  const all = present.length === rows;
  const vector = makePersonaVector(rows, hidden, data, metaInfo.meta, all ? undefined : present);
  return { vector: assertVector(vector, expected), strengths };
}
