/**
 * One entry point for the three vector formats (used by the CLI `convert` command and the UI's
 * import/export): detect the format of some bytes, read any of them into a PersonaVector, write a
 * PersonaVector as any of them, and convert bytes to bytes.
 *
 * Round trips between the formats keep every row and the metadata: our GGUF files carry the full
 * vector in `personalab.vector`, and Neuronpedia JSON is written with every present row unless
 * `layers` narrows it.
 */
import { rowOfLayer } from '../engine/hooks';
import { exportControlVectorGguf, importControlVectorGguf } from './gguf';
import { exportNeuronpedia, importNeuronpedia } from './neuronpedia';
import type { ExpectedShape, PersonaVector } from './personaVector';
import { exportVectorSafetensors, importVectorSafetensors } from './vectorFile';

export type VectorFormat = 'safetensors' | 'gguf' | 'neuronpedia';
export const VECTOR_FORMATS: readonly VectorFormat[] = ['safetensors', 'gguf', 'neuronpedia'];
export const FORMAT_EXTENSIONS: Record<VectorFormat, string> = { safetensors: '.safetensors', gguf: '.gguf', neuronpedia: '.json' };

/** Guess the format from the first bytes; null when none fits. */
export function detectVectorFormat(bytes: Uint8Array): VectorFormat | null {
  if (bytes.length >= 4 && bytes[0] === 0x47 && bytes[1] === 0x47 && bytes[2] === 0x55 && bytes[3] === 0x46) return 'gguf';
  if (bytes.length >= 9 && bytes[8] === 0x7b) {
    const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
    if (n >= 2n && n <= BigInt(bytes.length - 8)) return 'safetensors';
  }
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3; // UTF-8 BOM
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  if (bytes[i] === 0x7b) return 'neuronpedia';
  return null;
}

/** Guess the format from a file name's extension; null when unknown. */
export function formatFromFileName(name: string): VectorFormat | null {
  const lower = name.toLowerCase();
  for (const f of VECTOR_FORMATS) if (lower.endsWith(FORMAT_EXTENSIONS[f])) return f;
  return null;
}

/** Read a vector file of any supported format. */
export function readVectorFile(bytes: Uint8Array, from?: VectorFormat, expected: ExpectedShape = {}): PersonaVector {
  const format = from ?? detectVectorFormat(bytes);
  switch (format) {
    case 'safetensors':
      return importVectorSafetensors(bytes, expected);
    case 'gguf':
      return importControlVectorGguf(bytes, expected).vector;
    case 'neuronpedia':
      return importNeuronpedia(new TextDecoder().decode(bytes), expected).vector;
    default:
      throw new Error(
        'unrecognised vector file: expected safetensors, a GGUF control vector or Neuronpedia steering JSON; name the format explicitly if detection fails',
      );
  }
}

export interface WriteOptions {
  /** Decoder blocks to write (GGUF directions / Neuronpedia entries). Default: GGUF the chosen layer, JSON every row. */
  layers?: number[];
  /** GGUF: scale of the directions. Neuronpedia: the strength field. Default 1. */
  alpha?: number;
  /** GGUF controlvector.model_hint. */
  modelHint?: string;
}

/** Serialise a vector in a format. */
export function writeVectorFile(v: PersonaVector, to: VectorFormat, opts: WriteOptions = {}): Uint8Array {
  switch (to) {
    case 'safetensors':
      return exportVectorSafetensors(v);
    case 'gguf':
      return exportControlVectorGguf(v, { layers: opts.layers, alpha: opts.alpha, modelHint: opts.modelHint });
    case 'neuronpedia': {
      const rows = opts.layers ? opts.layers.map(rowOfLayer) : (v.presentRows ?? Array.from({ length: v.rows }, (_, r) => r));
      return new TextEncoder().encode(exportNeuronpedia(v, { rows, strength: opts.alpha }));
    }
    default:
      throw new Error(`unknown output format "${String(to)}"; use one of ${VECTOR_FORMATS.join(', ')}`);
  }
}

export interface ConvertOptions extends WriteOptions {
  from?: VectorFormat;
  expected?: ExpectedShape;
}

/** Convert a vector file between formats. */
export function convertVectorFile(
  bytes: Uint8Array,
  to: VectorFormat,
  opts: ConvertOptions = {},
): { bytes: Uint8Array; from: VectorFormat; vector: PersonaVector } {
  const from = opts.from ?? detectVectorFormat(bytes);
  if (!from) readVectorFile(bytes); // throws the 'unrecognised' error
  const vector = readVectorFile(bytes, from!, opts.expected);
  return { bytes: writeVectorFile(vector, to, opts), from: from!, vector };
}
