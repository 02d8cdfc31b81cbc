/**
 * A small GGUF (version 3) container reader and writer: enough for control vectors, written from
 * the GGUF spec (ggml docs/gguf.md), little-endian only.
 *
 *   magic "GGUF" | u32 version | u64 tensor_count | u64 kv_count
 *   kv:     string key | u32 value_type | value        (string = u64 byte length + UTF-8 bytes)
 *   tensor: string name | u32 n_dims | u64 ne[n_dims] | u32 ggml_type | u64 offset
 *   padding to `general.alignment` (default 32) | tensor data, each tensor starting at an
 *   offset (relative to the data section) that is a multiple of the alignment.
 * Only F32 (ggml type 0) tensor data is decoded.
 */

export const GGUF_TYPE = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;
export const GGML_TYPE_F32 = 0;
export const GGUF_DEFAULT_ALIGNMENT = 32;

export type GgufScalar = number | bigint | boolean | string;
export type GgufValue = { type: number; value: GgufScalar } | { type: typeof GGUF_TYPE.ARRAY; itemType: number; value: GgufScalar[] | Float32Array };

export interface GgufTensor {
  name: string;
  /** Dimensions in ggml `ne` order (fastest-varying first). */
  dims: number[];
  data: Float32Array;
}

export interface GgufFile {
  version: number;
  /** Key/value metadata in file order. */
  kv: Map<string, GgufValue>;
  tensors: GgufTensor[];
  alignment: number;
}

/** Convenience constructors for KV values. */
export const gv = {
  str: (value: string): GgufValue => ({ type: GGUF_TYPE.STRING, value }),
  u32: (value: number): GgufValue => ({ type: GGUF_TYPE.UINT32, value }),
  f32: (value: number): GgufValue => ({ type: GGUF_TYPE.FLOAT32, value }),
  f32s: (value: Float32Array): GgufValue => ({ type: GGUF_TYPE.ARRAY, itemType: GGUF_TYPE.FLOAT32, value }),
};

function fail(msg: string): never {
  throw new Error(`GGUF: ${msg}`);
}

class ByteWriter {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  length = 0;
  private ensure(n: number) {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(x: number) {
    this.ensure(1);
    this.view.setUint8(this.length, x);
    this.length += 1;
  }
  i8(x: number) {
    this.ensure(1);
    this.view.setInt8(this.length, x);
    this.length += 1;
  }
  u16(x: number) {
    this.ensure(2);
    this.view.setUint16(this.length, x, true);
    this.length += 2;
  }
  i16(x: number) {
    this.ensure(2);
    this.view.setInt16(this.length, x, true);
    this.length += 2;
  }
  u32(x: number) {
    this.ensure(4);
    this.view.setUint32(this.length, x, true);
    this.length += 4;
  }
  i32(x: number) {
    this.ensure(4);
    this.view.setInt32(this.length, x, true);
    this.length += 4;
  }
  f32(x: number) {
    this.ensure(4);
    this.view.setFloat32(this.length, x, true);
    this.length += 4;
  }
  f64(x: number) {
    this.ensure(8);
    this.view.setFloat64(this.length, x, true);
    this.length += 8;
  }
  u64(x: number | bigint) {
    this.ensure(8);
    this.view.setBigUint64(this.length, BigInt(x), true);
    this.length += 8;
  }
  i64(x: number | bigint) {
    this.ensure(8);
    this.view.setBigInt64(this.length, BigInt(x), true);
    this.length += 8;
  }
  bytes(b: Uint8Array) {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  str(s: string) {
    const b = new TextEncoder().encode(s);
    this.u64(b.length);
    this.bytes(b);
  }
  pad(alignment: number) {
    const n = (alignment - (this.length % alignment)) % alignment;
    this.ensure(n);
    this.length += n;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function writeScalar(w: ByteWriter, type: number, v: GgufScalar, key: string) {
  const num = () => {
    if (typeof v !== 'number') fail(`value of "${key}" must be a number`);
    return v;
  };
  switch (type) {
    case GGUF_TYPE.UINT8:
      return w.u8(num());
    case GGUF_TYPE.INT8:
      return w.i8(num());
    case GGUF_TYPE.UINT16:
      return w.u16(num());
    case GGUF_TYPE.INT16:
      return w.i16(num());
    case GGUF_TYPE.UINT32:
      return w.u32(num());
    case GGUF_TYPE.INT32:
      return w.i32(num());
    case GGUF_TYPE.FLOAT32:
      return w.f32(num());
    case GGUF_TYPE.FLOAT64:
      return w.f64(num());
    case GGUF_TYPE.BOOL:
      return w.u8(v ? 1 : 0);
    case GGUF_TYPE.UINT64:
      return w.u64(v as number | bigint);
    case GGUF_TYPE.INT64:
      return w.i64(v as number | bigint);
    case GGUF_TYPE.STRING:
      if (typeof v !== 'string') fail(`value of "${key}" must be a string`);
      return w.str(v);
    default:
      fail(`cannot write value type ${type} for "${key}"`);
  }
}

/** Serialise a GGUF v3 file. Tensors are F32; `dims` in ne order. */
export function writeGguf(kv: Iterable<[string, GgufValue]>, tensors: GgufTensor[], alignment = GGUF_DEFAULT_ALIGNMENT): Uint8Array {
  const entries = [...kv];
  if (alignment !== GGUF_DEFAULT_ALIGNMENT && !entries.some(([k]) => k === 'general.alignment')) {
    entries.push(['general.alignment', gv.u32(alignment)]);
  }
  const w = new ByteWriter();
  w.bytes(new TextEncoder().encode('GGUF'));
  w.u32(3);
  w.u64(tensors.length);
  w.u64(entries.length);
  for (const [key, val] of entries) {
    w.str(key);
    w.u32(val.type);
    if (val.type === GGUF_TYPE.ARRAY && 'itemType' in val) {
      w.u32(val.itemType);
      w.u64(val.value.length);
      for (const item of val.value) writeScalar(w, val.itemType, item, key);
    } else {
      writeScalar(w, val.type, val.value as GgufScalar, key);
    }
  }
  let offset = 0;
  for (const t of tensors) {
    const n = t.dims.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) fail(`tensor "${t.name}": dims [${t.dims.join(', ')}] hold ${n} values but data has ${t.data.length}`);
    w.str(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(GGML_TYPE_F32);
    w.u64(offset);
    offset += Math.ceil((n * 4) / alignment) * alignment;
  }
  w.pad(alignment);
  for (const t of tensors) {
    for (let i = 0; i < t.data.length; i++) w.f32(t.data[i]);
    w.pad(alignment);
  }
  return w.result();
}

class ByteReader {
  pos = 0;
  private view: DataView;
  constructor(private bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number, what: string) {
    if (this.pos + n > this.bytes.byteLength) fail(`file ends inside ${what} (at byte ${this.pos}, needs ${n} more); the file is truncated`);
  }
  u8(w: string) {
    this.need(1, w);
    return this.view.getUint8(this.pos++);
  }
  i8(w: string) {
    this.need(1, w);
    return this.view.getInt8(this.pos++);
  }
  u16(w: string) {
    this.need(2, w);
    const x = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return x;
  }
  i16(w: string) {
    this.need(2, w);
    const x = this.view.getInt16(this.pos, true);
    this.pos += 2;
    return x;
  }
  u32(w: string) {
    this.need(4, w);
    const x = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return x;
  }
  i32(w: string) {
    this.need(4, w);
    const x = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return x;
  }
  f32(w: string) {
    this.need(4, w);
    const x = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return x;
  }
  f64(w: string) {
    this.need(8, w);
    const x = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return x;
  }
  u64big(w: string) {
    this.need(8, w);
    const x = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return x;
  }
  i64big(w: string) {
    this.need(8, w);
    const x = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    return x;
  }
  u64(w: string) {
    const x = this.u64big(w);
    if (x > BigInt(Number.MAX_SAFE_INTEGER)) fail(`${w} is ${x}, too large; the file is corrupt`);
    return Number(x);
  }
  str(w: string) {
    const n = this.u64(`${w} length`);
    this.need(n, w);
    const s = new TextDecoder('utf-8', { fatal: false }).decode(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
  f32array(count: number, w: string) {
    this.need(count * 4, w);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = this.view.getFloat32(this.pos + i * 4, true);
    this.pos += count * 4;
    return out;
  }
}

function readScalar(r: ByteReader, type: number, key: string): GgufScalar {
  const w = `value of "${key}"`;
  switch (type) {
    case GGUF_TYPE.UINT8:
      return r.u8(w);
    case GGUF_TYPE.INT8:
      return r.i8(w);
    case GGUF_TYPE.UINT16:
      return r.u16(w);
    case GGUF_TYPE.INT16:
      return r.i16(w);
    case GGUF_TYPE.UINT32:
      return r.u32(w);
    case GGUF_TYPE.INT32:
      return r.i32(w);
    case GGUF_TYPE.FLOAT32:
      return r.f32(w);
    case GGUF_TYPE.FLOAT64:
      return r.f64(w);
    case GGUF_TYPE.BOOL:
      return r.u8(w) !== 0;
    case GGUF_TYPE.UINT64:
      return r.u64big(w);
    case GGUF_TYPE.INT64:
      return r.i64big(w);
    case GGUF_TYPE.STRING:
      return r.str(w);
    default:
      fail(`unknown value type ${type} for "${key}"; the file is corrupt or uses a newer GGUF`);
  }
}

/** Parse a GGUF v2/v3 file (little-endian). Non-F32 tensors are refused. */
export function readGguf(bytes: Uint8Array): GgufFile {
  const r = new ByteReader(bytes);
  r.need(4, 'the magic');
  if (new TextDecoder().decode(bytes.subarray(0, 4)) !== 'GGUF') fail('file does not start with "GGUF"; it is not a GGUF file');
  r.pos = 4;
  const version = r.u32('the version');
  if (version !== 2 && version !== 3) fail(`version ${version} is not supported (expected 3; big-endian files are not supported)`);
  const tensorCount = r.u64('the tensor count');
  const kvCount = r.u64('the kv count');
  if (tensorCount > 1_000_000 || kvCount > 1_000_000) fail(`implausible counts (tensors ${tensorCount}, kv ${kvCount}); the file is corrupt`);
  const kv = new Map<string, GgufValue>();
  for (let i = 0; i < kvCount; i++) {
    const key = r.str(`kv ${i} key`);
    const type = r.u32(`type of "${key}"`);
    if (type === GGUF_TYPE.ARRAY) {
      const itemType = r.u32(`item type of "${key}"`);
      const n = r.u64(`length of "${key}"`);
      if (itemType === GGUF_TYPE.FLOAT32) {
        kv.set(key, { type, itemType, value: r.f32array(n, `array "${key}"`) });
      } else {
        if (n > bytes.byteLength) fail(`array "${key}" claims ${n} items, more than the file has bytes`);
        const items: GgufScalar[] = [];
        for (let j = 0; j < n; j++) items.push(readScalar(r, itemType, key));
        kv.set(key, { type, itemType, value: items });
      }
    } else {
      kv.set(key, { type, value: readScalar(r, type, key) });
    }
  }
  const infos: { name: string; dims: number[]; type: number; offset: number }[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = r.str(`tensor ${i} name`);
    const nDims = r.u32(`n_dims of "${name}"`);
    if (nDims > 4) fail(`tensor "${name}" has ${nDims} dimensions; GGUF allows at most 4`);
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) dims.push(r.u64(`dim ${d} of "${name}"`));
    const type = r.u32(`type of "${name}"`);
    const offset = r.u64(`offset of "${name}"`);
    infos.push({ name, dims, type, offset });
  }
  const a = kv.get('general.alignment');
  const alignment = a && a.type !== GGUF_TYPE.ARRAY ? Number(a.value) : GGUF_DEFAULT_ALIGNMENT;
  if (!Number.isInteger(alignment) || alignment <= 0) fail(`general.alignment must be a positive integer, got ${alignment}`);
  const dataStart = Math.ceil(r.pos / alignment) * alignment;
  const tensors: GgufTensor[] = infos.map((t) => {
    if (t.type !== GGML_TYPE_F32) fail(`tensor "${t.name}" has ggml type ${t.type}; only F32 (0) is supported here`);
    if (t.offset % alignment !== 0) fail(`tensor "${t.name}" offset ${t.offset} is not a multiple of the alignment ${alignment}`);
    const n = t.dims.reduce((x, y) => x * y, 1);
    r.pos = dataStart + t.offset;
    return { name: t.name, dims: t.dims, data: r.f32array(n, `data of tensor "${t.name}"`) };
  });
  return { version, kv, tensors, alignment };
}
