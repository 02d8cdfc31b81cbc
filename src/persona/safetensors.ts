/**
 * Reading and writing safetensors files (https://github.com/huggingface/safetensors):
 *   u64 little-endian header length N | N bytes of JSON header | raw tensor data.
 * The header maps tensor names to {dtype, shape, data_offsets: [begin, end]} (offsets relative to
 * the start of the data section) and may hold `__metadata__`, a string → string map.
 *
 * We write F32 only; we read F32, F16, BF16 and F64 and always hand back a Float32Array.
 */
import { halfToFloat } from '../engine/float16';
import { nameRecord } from './nameRecord';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'F64';

export interface Tensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };
/** Headers larger than this are refused (the reference implementation uses 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

function fail(msg: string): never {
  throw new Error(`safetensors: ${msg}`);
}

/** Number of elements of a shape (1 for a scalar shape []). */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function isShape(x: unknown): x is number[] {
  return Array.isArray(x) && x.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0);
}

function decode(dtype: SafetensorsDtype, bytes: Uint8Array, count: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      break;
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      break;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      break;
    case 'BF16': {
      const u = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) u[i] = view.getUint16(i * 2, true) << 16;
      break;
    }
  }
  return out;
}

/** Parse a safetensors file. Throws an Error saying what is wrong with the bytes. */
export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.byteLength < 8) {
    fail(`file is ${bytes.byteLength} bytes, shorter than the 8-byte header length; is this a safetensors file?`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen64 = view.getBigUint64(0, true);
  if (headerLen64 > BigInt(MAX_HEADER_BYTES)) {
    fail(`header length ${headerLen64} is implausibly large; the file is probably not safetensors or is corrupt`);
  }
  const headerLen = Number(headerLen64);
  if (8 + headerLen > bytes.byteLength) {
    fail(`header claims ${headerLen} bytes but the file has only ${bytes.byteLength - 8} after the length; the file is truncated or not safetensors`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${(e as Error).message}); the file is corrupt or not safetensors`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    fail('header must be a JSON object mapping tensor names to {dtype, shape, data_offsets}');
  }
  const dataStart = 8 + headerLen;
  const dataLen = bytes.byteLength - dataStart;
  // tensor names and metadata keys come from the file: prototype-free records keep "__proto__" a name
  const metadata = nameRecord<string>();
  const tensors = nameRecord<Tensor>();
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
        fail('__metadata__ must be an object of string values');
      }
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__["${k}"] must be a string, got ${typeof v}`);
        metadata[k] = v;
      }
      continue;
    }
    if (typeof entry !== 'object' || entry === null) fail(`tensor "${name}": entry must be an object`);
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
      fail(`tensor "${name}": dtype ${JSON.stringify(dtype)} is not supported; convert it to F32, F16, BF16 or F64`);
    }
    if (!isShape(shape)) fail(`tensor "${name}": shape must be an array of non-negative integers`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !isShape(offsets)) {
      fail(`tensor "${name}": data_offsets must be [begin, end] with non-negative integers`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataLen) {
      fail(`tensor "${name}": data_offsets [${begin}, ${end}] fall outside the ${dataLen}-byte data section; the file is truncated or corrupt`);
    }
    const dt = dtype as SafetensorsDtype;
    const count = shapeSize(shape);
    const expected = count * DTYPE_BYTES[dt];
    if (end - begin !== expected) {
      fail(`tensor "${name}": shape [${shape.join(', ')}] × ${dt} needs ${expected} bytes but data_offsets span ${end - begin}`);
    }
    tensors[name] = { dtype: dt, shape: [...shape], data: decode(dt, bytes.subarray(dataStart + begin, dataStart + end), count) };
  }
  return { tensors, metadata };
}

/** Input to writeSafetensors: any tensor is written as F32. */
export interface TensorInput {
  shape: number[];
  data: Float32Array;
}

/**
 * Serialise tensors as F32 safetensors, in the order given, with optional string metadata.
 * The header is padded with spaces to a multiple of 8 bytes, as the reference writer does.
 */
export function writeSafetensors(tensors: Record<string, TensorInput>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') fail(`metadata "${k}" must be a string, got ${typeof v}; stringify it first`);
    }
    header.__metadata__ = { ...metadata };
  }
  let offset = 0;
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) {
    if (name === '__metadata__') fail('"__metadata__" is reserved and cannot be a tensor name');
    if (!isShape(t.shape)) fail(`tensor "${name}": shape must be an array of non-negative integers`);
    if (shapeSize(t.shape) !== t.data.length) {
      fail(`tensor "${name}": shape [${t.shape.join(', ')}] holds ${shapeSize(t.shape)} values but data has ${t.data.length}`);
    }
    const n = t.data.length * 4;
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + n] };
    offset += n;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  if (padded !== json.byteLength) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.byteLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  let pos = 8 + json.byteLength;
  for (const [, t] of entries) {
    for (let i = 0; i < t.data.length; i++, pos += 4) view.setFloat32(pos, t.data[i], true);
  }
  return out;
}
