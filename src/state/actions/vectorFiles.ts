/**
 * Vector files in the lab: "Download vector" (safetensors / GGUF control vector / Neuronpedia JSON)
 * and "Import vector", which checks the file against the loaded model and makes it a trait's
 * vector, usable for steering and monitoring like an extracted one. A file larger than the model's
 * vectors can be is refused by its size; a file for a trait that already has a vector waits for
 * the user's answer (vectorReplace) instead of replacing it.
 */
import type { VectorFormat } from '../../persona/convert';
import { fileTooLarge, maxVectorFileBytes } from '../../persona/limits';
import { ownValue } from '../../persona/nameRecord';
import { importVectorFile, vectorDownload, VectorFileError, type LayerScope, type VectorDownload } from '../../persona/vectorDownload';
import { toUiError } from '../engine';
import { typicalNorms } from './extract';
import { getLab, setLab } from '../store';
import type { UiError, VectorEntry } from '../types';

/** Errors and notices of the vector file buttons, per trait (shown under the trait's vector). */
export function setVectorFileError(error: UiError | null): void {
  setLab({ vectorFileError: error });
}

/** The download of a trait's vector, or null with vectorFileError set. */
export function buildVectorDownload(trait: string, format: VectorFormat, scope: LayerScope): VectorDownload | null {
  const v = getLab().vectors[trait];
  if (!v) {
    setVectorFileError({ message: `the trait "${trait}" has no vector yet`, hint: 'Extract it (or import a vector) first.' });
    return null;
  }
  try {
    const d = vectorDownload(v, format, scope);
    setVectorFileError(null);
    return d;
  } catch (e) {
    setVectorFileError(e instanceof VectorFileError ? { message: e.message, hint: e.hint } : toUiError(e));
    return null;
  }
}

/**
 * Refuses a vector file larger than any vector of the loaded model can be (maxVectorFileBytes), by
 * its size, before it is read; true when refused (vectorFileError says why). Without a model there
 * is no cap to apply, and the import itself says to load one.
 */
export function refuseLargeVectorFile(fileName: string, bytes: number): boolean {
  const s = getLab();
  if (!s.info) return false;
  const cap = maxVectorFileBytes(s.info);
  if (bytes <= cap) return false;
  setVectorFileError({
    message: `${fileName || 'the file'}: ${fileTooLarge(bytes, cap, `a vector file for ${s.loadedId ?? s.info.id}`)}, so it was not read`,
    hint: `A vector file holds at most one row of ${s.info.hiddenSize} values per layer (${s.info.numLayers} blocks and the embedding); choose a safetensors, GGUF or Neuronpedia vector made for this model.`,
  });
  return true;
}

/**
 * Imports a vector file as the vector of `trait` (the selected trait). Validates it against the
 * loaded model; on any problem sets vectorFileError (role="alert") and returns null. When the trait
 * already has a vector, a valid file replaces it only with `replace: true`; otherwise nothing is
 * written, the file waits in vectorReplace for answerVectorReplace, and null is returned.
 */
export async function importVectorForTrait(trait: string, bytes: Uint8Array, fileName: string, opts: { replace?: boolean } = {}): Promise<VectorEntry | null> {
  const s = getLab();
  if (s.loadState !== 'ready' || !s.info) {
    setVectorFileError({
      message: 'no model is loaded, so the vector cannot be checked',
      hint: 'Load the model the vector was made for (Model panel), then import it.',
    });
    return null;
  }
  if (refuseLargeVectorFile(fileName, bytes.byteLength)) return null;
  const info = s.info;
  const modelId = s.loadedId ?? info.id;
  let imported;
  try {
    imported = importVectorFile(bytes, fileName, { id: modelId, numLayers: info.numLayers, hiddenSize: info.hiddenSize });
  } catch (e) {
    setVectorFileError(e instanceof VectorFileError ? { message: e.message, hint: e.hint } : toUiError(e));
    return null;
  }
  if (!opts.replace && askBeforeReplacing(trait, bytes, fileName)) return null;
  const v = imported.vector;
  const entry = s.traits.find((t) => t.set.name === trait);
  const prompts = entry?.set.extraction_questions.length ? entry.set.extraction_questions : ['Tell me about your day.', 'How do I cook rice?'];
  const norms = await typicalNorms(prompts, v.rows, v.hidden).catch(() => null);
  const notes = [`imported from ${fileName} (${imported.format})`];
  if (imported.trait && imported.trait !== trait) notes.push(`the file says trait "${imported.trait}"`);
  notes.push(...imported.warnings);
  const vec: VectorEntry = {
    trait,
    modelId,
    rows: v.rows,
    hidden: v.hidden,
    data: v.data,
    presentRows: v.presentRows,
    layer: imported.layer,
    readout: v.meta.readout,
    stats: null,
    typicalNorms: norms,
    samples: { pos: 0, neg: 0 },
    note: notes.join(' · '),
    createdAt: Date.now(),
  };
  // a vector may have arrived while the norms were measured (an extraction finishing)
  if (!opts.replace && askBeforeReplacing(trait, bytes, fileName)) return null;
  setLab((cur) => ({
    vectors: { ...cur.vectors, [trait]: vec },
    active: cur.active.includes(trait) ? cur.active : [...cur.active, trait],
    alphas: { ...cur.alphas, [trait]: cur.alphas[trait] ?? 0 },
    layer: cur.layer === null || Object.keys(cur.vectors).filter((k) => k !== trait).length === 0 ? imported.layer : cur.layer,
    vectorFileError: null,
    vectorReplace: null,
  }));
  return vec;
}

/** When `trait` has a vector: keeps the file in vectorReplace for the user's answer and returns true. */
function askBeforeReplacing(trait: string, bytes: Uint8Array, fileName: string): boolean {
  if (!ownValue(getLab().vectors, trait)) return false;
  setLab({ vectorReplace: { trait, fileName, bytes }, vectorFileError: null });
  return true;
}

/**
 * The user's answer to "Replace the vector of …?": Replace imports the waiting file over the
 * trait's vector; Keep drops the file and changes nothing else.
 */
export async function answerVectorReplace(replace: boolean): Promise<VectorEntry | null> {
  const pending = getLab().vectorReplace;
  if (!pending) return null;
  setLab({ vectorReplace: null });
  return replace ? importVectorForTrait(pending.trait, pending.bytes, pending.fileName, { replace: true }) : null;
}
