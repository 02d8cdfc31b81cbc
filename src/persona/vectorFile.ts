/**
 * Persona vectors as safetensors: one F32 tensor `vector` of shape [L+1, hidden] laid out like the
 * persona-vectors `.pt` files (row 0 = embed, row l+1 = blocks.{l}.resid_post), so that
 * `safetensors.numpy.load_file(p)["vector"][l+1]` is the direction for block l.
 *
 * Metadata keys (all strings): format, format_version, convention ("hf_hidden_states"), model_id,
 * trait, readout, layer (chosen block l), hook (its hook name), num_layers, hidden_size,
 * present_rows (comma list, only when some rows are missing). Other keys pass through in meta.extra.
 *
 * Also read: a single `[hidden]` vector with `layer` in the metadata (placed at row layer+1).
 */
import { nameRecord } from './nameRecord';
import { readSafetensors, writeSafetensors } from './safetensors';
import { hookName, rowOfLayer } from '../engine/hooks';
import { assertVector, CONVENTION, makePersonaVector, READOUTS, type ExpectedShape, type PersonaVector, type Readout, type VectorMeta } from './personaVector';

export const VECTOR_FORMAT = 'persona-lab/persona-vector';
export const VECTOR_TENSOR = 'vector';
const KNOWN_KEYS = new Set([
  'format',
  'format_version',
  'convention',
  'model_id',
  'trait',
  'readout',
  'layer',
  'hook',
  'num_layers',
  'hidden_size',
  'present_rows',
]);

/** Metadata map written for a vector (shared with the GGUF and JSON exporters). */
export function vectorMetadata(v: PersonaVector): Record<string, string> {
  const m: Record<string, string> = { ...(v.meta.extra ?? {}) };
  m.format = VECTOR_FORMAT;
  m.format_version = '1';
  m.convention = CONVENTION;
  if (v.meta.modelId !== undefined) m.model_id = v.meta.modelId;
  if (v.meta.trait !== undefined) m.trait = v.meta.trait;
  if (v.meta.readout !== undefined) m.readout = v.meta.readout;
  if (v.meta.layer !== undefined) {
    m.layer = String(v.meta.layer);
    m.hook = hookName(rowOfLayer(v.meta.layer));
  }
  m.num_layers = String(v.rows - 1);
  m.hidden_size = String(v.hidden);
  if (v.presentRows) m.present_rows = v.presentRows.join(',');
  return m;
}

function parseIntKey(m: Record<string, string>, key: string): number | undefined {
  const s = m[key];
  if (s === undefined) return undefined;
  if (!/^\d+$/.test(s.trim())) throw new Error(`metadata "${key}" must be a non-negative integer, got "${s}"`);
  return Number(s);
}

/** Inverse of vectorMetadata: the typed fields plus everything else in `extra`. */
export function metaFromMetadata(m: Record<string, string>): { meta: VectorMeta; numLayers?: number; presentRows?: number[] } {
  if (m.convention !== undefined && m.convention !== CONVENTION) {
    throw new Error(`vector rows use convention "${m.convention}"; only "${CONVENTION}" (row 0 = embed, row l+1 = blocks.l.resid_post) is supported`);
  }
  const meta: VectorMeta = {};
  if (m.model_id !== undefined) meta.modelId = m.model_id;
  if (m.trait !== undefined) meta.trait = m.trait;
  if (m.readout !== undefined) {
    if (!READOUTS.includes(m.readout as Readout)) throw new Error(`metadata readout "${m.readout}" is not one of ${READOUTS.join(', ')}`);
    meta.readout = m.readout as Readout;
  }
  const layer = parseIntKey(m, 'layer');
  if (layer !== undefined) meta.layer = layer;
  const extra = nameRecord<string>();
  for (const [k, val] of Object.entries(m)) if (!KNOWN_KEYS.has(k)) extra[k] = val;
  if (Object.keys(extra).length) meta.extra = extra;
  let presentRows: number[] | undefined;
  if (m.present_rows !== undefined && m.present_rows !== '') {
    presentRows = m.present_rows.split(',').map((s) => {
      if (!/^\d+$/.test(s.trim())) throw new Error(`metadata present_rows must be a comma list of row numbers, got "${m.present_rows}"`);
      return Number(s);
    });
  }
  return { meta, numLayers: parseIntKey(m, 'num_layers'), presentRows };
}

/** Refuses a present_rows list that names rows the tensor does not have. */
export function checkPresentRows(present: number[] | undefined, rows: number): void {
  const bad = present?.find((r) => r >= rows);
  if (bad !== undefined) throw new Error(`metadata present_rows names row ${bad}, but the vector has ${rows} rows (0…${rows - 1}); the file is inconsistent`);
}

/** Serialise a persona vector as safetensors. Refuses NaN/Inf and inconsistent shapes. */
export function exportVectorSafetensors(v: PersonaVector): Uint8Array {
  assertVector(v);
  return writeSafetensors({ [VECTOR_TENSOR]: { shape: [v.rows, v.hidden], data: v.data } }, vectorMetadata(v));
}

/**
 * Read a persona vector from safetensors bytes. Accepts [L+1, hidden] under the name `vector`
 * (or the only tensor in the file) and [hidden] with a `layer` in the metadata.
 * With `expected`, also checks hidden size and layer count against the model.
 */
export function importVectorSafetensors(bytes: Uint8Array, expected: ExpectedShape = {}): PersonaVector {
  const file = readSafetensors(bytes);
  const names = Object.keys(file.tensors);
  const name = names.includes(VECTOR_TENSOR) ? VECTOR_TENSOR : names.length === 1 ? names[0] : undefined;
  if (name === undefined) {
    throw new Error(
      `no tensor named "${VECTOR_TENSOR}" in the file (found ${names.length ? names.map((n) => `"${n}"`).join(', ') : 'none'}); save the vector under the name "${VECTOR_TENSOR}"`,
    );
  }
  const t = file.tensors[name];
  const { meta, numLayers, presentRows } = metaFromMetadata(file.metadata);
  const hiddenSize = parseIntKey(file.metadata, 'hidden_size');
  const width = t.shape[t.shape.length - 1];
  if (t.shape.length >= 1 && hiddenSize !== undefined && hiddenSize !== width) {
    throw new Error(`metadata hidden_size=${hiddenSize} but tensor "${name}" is ${width} wide; the file was changed after it was written`);
  }
  let v: PersonaVector;
  if (t.shape.length === 2) {
    const [rows, hidden] = t.shape;
    if (numLayers !== undefined && numLayers + 1 !== rows) {
      throw new Error(`metadata num_layers=${numLayers} but tensor "${name}" has ${rows} rows; expected ${numLayers + 1}`);
    }
    checkPresentRows(presentRows, rows);
    v = makePersonaVector(rows, hidden, t.data, meta, presentRows);
  } else if (t.shape.length === 1) {
    if (meta.layer === undefined) {
      throw new Error(
        `tensor "${name}" is a single [${t.shape[0]}] vector but the metadata has no "layer"; add layer=<block index> (the block whose output it steers)`,
      );
    }
    if (numLayers !== undefined && meta.layer >= numLayers) {
      throw new Error(`metadata layer=${meta.layer} but num_layers=${numLayers} (blocks 0…${numLayers - 1}); the file is inconsistent`);
    }
    const rows = Math.max(meta.layer + 2, (numLayers ?? 0) + 1);
    const hidden = t.shape[0];
    const data = new Float32Array(rows * hidden);
    data.set(t.data, rowOfLayer(meta.layer) * hidden);
    v = makePersonaVector(rows, hidden, data, meta, [rowOfLayer(meta.layer)]);
  } else {
    throw new Error(`tensor "${name}" has shape [${t.shape.join(', ')}]; expected [L+1, hidden] or [hidden]`);
  }
  return assertVector(v, expected);
}
