/**
 * The lab's vector download / import: which bytes and file name a "Download vector" gives in each
 * format, and reading a picked file back with the checks against the loaded model (hidden size,
 * layer count, element type, NaN/Inf) phrased as what was wrong plus what to do.
 *
 * Formats (src/persona/convert.ts): safetensors in the persona-vectors [L+1, hidden] layout with
 * metadata; a llama.cpp GGUF control vector at the chosen block or at every block ≥ 1; Neuronpedia
 * steering JSON at the chosen block or at every present row.
 */
import { detectVectorFormat, FORMAT_EXTENSIONS, formatFromFileName, readVectorFile, writeVectorFile, type VectorFormat } from './convert';
import { makePersonaVector, vectorProblems, type PersonaVector, type Readout } from './personaVector';

/** The part of a lab vector the files need. */
export interface VectorSource {
  trait: string;
  modelId: string;
  rows: number;
  hidden: number;
  data: Float32Array;
  presentRows?: number[];
  /** Chosen decoder block. */
  layer: number;
  /** Which activations made the vector; absent = response_avg. */
  readout?: Readout;
}

/** GGUF / Neuronpedia: the chosen block only, or every block the vector holds. */
export type LayerScope = 'layer' | 'all';

export interface VectorDownload {
  bytes: Uint8Array;
  fileName: string;
  mime: string;
}

export const FORMAT_LABELS: Record<VectorFormat, string> = {
  safetensors: 'safetensors (persona-vectors layout, all layers)',
  gguf: 'GGUF control vector (llama.cpp)',
  neuronpedia: 'Neuronpedia steering JSON',
};

const MIME: Record<VectorFormat, string> = { safetensors: 'application/octet-stream', gguf: 'application/octet-stream', neuronpedia: 'application/json' };

/** A file-name-safe piece: letters, digits, dot, dash, underscore. */
export function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '') || 'vector';
}

/** The lab vector as the format layer's PersonaVector (readout: the vector's own, else response_avg, the lab's default). */
export function toPersonaVector(v: VectorSource): PersonaVector {
  return makePersonaVector(
    v.rows,
    v.hidden,
    v.data,
    { modelId: v.modelId, trait: v.trait, readout: v.readout ?? 'response_avg', layer: v.layer },
    v.presentRows,
  );
}

/** Blocks a scope covers for a format (undefined = the whole vector, as safetensors writes it). */
export function scopeLayers(v: VectorSource, format: VectorFormat, scope: LayerScope): number[] | undefined {
  if (format === 'safetensors') return undefined;
  const present = v.presentRows ?? Array.from({ length: v.rows }, (_, r) => r);
  const minRow = format === 'gguf' ? 2 : 1; // llama.cpp cannot steer block 0 (row 1) nor the embedding
  if (scope === 'layer') {
    if (format === 'gguf' && v.layer < 1) {
      throw new VectorFileError(
        'llama.cpp cannot steer block 0: its control vectors start at block 1',
        'Choose a layer ≥ 1 for the vector (click the statistics chart), or download all layers.',
      );
    }
    return [v.layer];
  }
  const layers = present.filter((r) => r >= minRow).map((r) => r - 1);
  if (!layers.length)
    throw new VectorFileError(
      `this vector holds no block that ${format === 'gguf' ? 'llama.cpp can steer (blocks ≥ 1)' : 'has data'}`,
      'Download it as safetensors instead.',
    );
  return layers;
}

/** File name: `<trait>.<model>.<layer2|all-layers>.<ext>`. */
export function vectorFileName(v: VectorSource, format: VectorFormat, scope: LayerScope): string {
  const part = format === 'safetensors' ? 'all-layers' : scope === 'layer' ? `layer${v.layer}` : 'all-layers';
  return `${slug(v.trait)}.${slug(v.modelId.replace(/^.*\//, ''))}.${part}${FORMAT_EXTENSIONS[format]}`;
}

/** The bytes and name of a "Download vector". Throws VectorFileError when the format cannot hold it. */
export function vectorDownload(v: VectorSource, format: VectorFormat, scope: LayerScope = 'layer'): VectorDownload {
  const layers = scopeLayers(v, format, scope);
  let bytes: Uint8Array;
  try {
    bytes = writeVectorFile(toPersonaVector(v), format, { layers, modelHint: v.modelId });
  } catch (e) {
    throw new VectorFileError(`cannot write the ${v.trait} vector as ${format}: ${(e as Error).message}`, 'Re-extract the trait, or pick another format.');
  }
  return { bytes, fileName: vectorFileName(v, format, scope), mime: MIME[format] };
}

/** A failure as the UI shows it: what was wrong and what to do. */
export class VectorFileError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'VectorFileError';
  }
}

export interface ModelShape {
  id: string;
  numLayers: number;
  hiddenSize: number;
}

export interface ImportedVector {
  vector: PersonaVector;
  format: VectorFormat;
  /** Trait named in the file, if any. */
  trait?: string;
  /** Block to steer: the file's chosen layer, else its only block, else the middle block. */
  layer: number;
  /** Things worth saying that do not stop the import (another model id with the same shape). */
  warnings: string[];
}

function hintFor(message: string, model: ModelShape, fileModel?: string): string {
  const shape = `${model.id} (hidden size ${model.hiddenSize}, ${model.numLayers} blocks)`;
  if (/NaN|infinite|finite/.test(message)) return 'The vector is damaged: re-extract it, or export it again from where it came from.';
  if (/hidden size|rows|blocks/.test(message))
    return `Import a vector made for ${shape}${fileModel && fileModel !== model.id ? `, or load ${fileModel} in the Model panel first` : ''}.`;
  if (/dtype|ggml type/.test(message)) return 'Save the vector as float32 (F32, or F16/BF16/F64 safetensors) and import it again.';
  return 'Pick a .safetensors, .gguf (control vector) or Neuronpedia .json vector file — for example one saved with Download vector.';
}

/**
 * Reads a picked vector file and checks it against the loaded model. Throws VectorFileError with
 * the file name, what was wrong and what to do.
 */
export function importVectorFile(bytes: Uint8Array, fileName: string, model: ModelShape): ImportedVector {
  const where = fileName || 'the file';
  if (bytes.byteLength === 0) throw new VectorFileError(`${where} is empty`, hintFor('', model));
  const format = detectVectorFormat(bytes) ?? formatFromFileName(fileName);
  if (!format) {
    throw new VectorFileError(`${where} is not a vector file: expected safetensors, a GGUF control vector or Neuronpedia steering JSON`, hintFor('', model));
  }
  let vector: PersonaVector;
  try {
    vector = readVectorFile(bytes, format, { numLayers: model.numLayers });
  } catch (e) {
    throw new VectorFileError(`${where} (${format}): ${(e as Error).message}`, hintFor((e as Error).message, model));
  }
  const problems = vectorProblems(vector, { hidden: model.hiddenSize, numLayers: model.numLayers });
  if (problems.length) {
    throw new VectorFileError(`${where} does not fit ${model.id}: ${problems.join('; ')}`, hintFor(problems.join(' '), model, vector.meta.modelId));
  }
  const present = vector.presentRows ?? Array.from({ length: vector.rows }, (_, r) => r);
  const blocks = present.filter((r) => r >= 1).map((r) => r - 1);
  if (!blocks.length) throw new VectorFileError(`${where} holds only the embedding row, no decoder block to steer`, hintFor('', model));
  const layer =
    vector.meta.layer !== undefined && blocks.includes(vector.meta.layer)
      ? vector.meta.layer
      : blocks.length === 1
        ? blocks[0]
        : blocks.includes(Math.floor(model.numLayers / 2))
          ? Math.floor(model.numLayers / 2)
          : blocks[0];
  const warnings: string[] = [];
  const fileModel = vector.meta.modelId ?? vector.meta.extra?.model_hint;
  if (fileModel && fileModel !== model.id && slug(fileModel) !== slug(model.id)) {
    warnings.push(`made for ${fileModel}; ${model.id} has the same shape, so it steers, but the direction may mean something else here`);
  }
  return { vector, format, trait: vector.meta.trait, layer, warnings };
}
