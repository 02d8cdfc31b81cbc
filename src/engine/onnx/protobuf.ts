/**
 * Just enough protobuf for editing ONNX graphs: walk the fields of a message as byte ranges
 * (so untouched fields can be copied verbatim) and write new messages.
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

/** One field of a message: where its whole encoding starts/ends and where its payload lies. */
export interface FieldRange {
  field: number;
  wire: number;
  /** First byte of the tag. */
  start: number;
  /** One past the last byte of the field. */
  end: number;
  /** Payload: for length-delimited fields the content bytes, for varints the varint bytes. */
  dataStart: number;
  dataEnd: number;
}

export class ProtobufError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtobufError';
  }
}

/** Reads a varint at `pos` as a JS number (exact up to 2^53; larger values lose precision). */
export function readVarint(buf: Uint8Array, pos: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= buf.length) throw new ProtobufError(`truncated varint at byte ${pos}`);
    const b = buf[pos + i];
    value += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) {
      // Ten-byte varints are negative int64s in two's complement.
      if (i === 9) value -= 2 ** 64;
      return { value, next: pos + i + 1 };
    }
  }
  throw new ProtobufError(`varint longer than 10 bytes at byte ${pos}`);
}

/** Iterates the fields of the message occupying buf[start, end). */
export function* fields(buf: Uint8Array, start = 0, end = buf.length): Generator<FieldRange> {
  let pos = start;
  while (pos < end) {
    const tagStart = pos;
    const tag = readVarint(buf, pos);
    pos = tag.next;
    const field = Math.floor(tag.value / 8);
    const wire = tag.value & 7;
    let dataStart = pos;
    let dataEnd: number;
    switch (wire) {
      case WIRE_VARINT:
        dataEnd = readVarint(buf, pos).next;
        break;
      case WIRE_FIXED64:
        dataEnd = pos + 8;
        break;
      case WIRE_FIXED32:
        dataEnd = pos + 4;
        break;
      case WIRE_BYTES: {
        const len = readVarint(buf, pos);
        dataStart = len.next;
        dataEnd = dataStart + len.value;
        break;
      }
      default:
        throw new ProtobufError(`unsupported wire type ${wire} (field ${field}) at byte ${tagStart}`);
    }
    if (field === 0 || dataEnd > end) {
      throw new ProtobufError(`malformed field ${field} at byte ${tagStart}: runs past the end of its message`);
    }
    yield { field, wire, start: tagStart, end: dataEnd, dataStart, dataEnd };
    pos = dataEnd;
  }
}

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

export function readString(buf: Uint8Array, f: FieldRange): string {
  return utf8.decode(buf.subarray(f.dataStart, f.dataEnd));
}

export function readVarintField(buf: Uint8Array, f: FieldRange): number {
  return readVarint(buf, f.dataStart).value;
}

/** Reads a repeated int64 field occurrence, packed or not, appending to `out`. */
export function readInt64s(buf: Uint8Array, f: FieldRange, out: number[]): void {
  if (f.wire === WIRE_VARINT) {
    out.push(readVarint(buf, f.dataStart).value);
    return;
  }
  let pos = f.dataStart;
  while (pos < f.dataEnd) {
    const v = readVarint(buf, pos);
    out.push(v.value);
    pos = v.next;
  }
}

/** Growable byte sink for encoding messages. */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private scratch = new Uint8Array(64);
  private used = 0;
  length = 0;

  private flushScratch(): void {
    if (this.used > 0) {
      this.chunks.push(this.scratch.slice(0, this.used));
      this.used = 0;
    }
  }

  private byte(b: number): void {
    if (this.used === this.scratch.length) this.flushScratch();
    this.scratch[this.used++] = b;
    this.length++;
  }

  varint(value: number | bigint): this {
    let v = BigInt(value);
    if (v < 0n) v += 1n << 64n;
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
    return this;
  }

  tag(field: number, wire: number): this {
    return this.varint(field * 8 + wire);
  }

  /** Appends bytes verbatim (a copied field or a finished sub-message). Holds a view, no copy. */
  raw(bytes: Uint8Array): this {
    this.flushScratch();
    this.chunks.push(bytes);
    this.length += bytes.length;
    return this;
  }

  bytesField(field: number, bytes: Uint8Array): this {
    return this.tag(field, WIRE_BYTES).varint(bytes.length).raw(bytes);
  }

  stringField(field: number, s: string): this {
    return this.bytesField(field, utf8Encoder.encode(s));
  }

  varintField(field: number, value: number | bigint): this {
    return this.tag(field, WIRE_VARINT).varint(value);
  }

  floatField(field: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return this.tag(field, WIRE_FIXED32).raw(b);
  }

  messageField(field: number, message: ProtoWriter): this {
    this.tag(field, WIRE_BYTES).varint(message.length);
    this.flushScratch();
    this.chunks.push(...message.parts());
    this.length += message.length;
    return this;
  }

  parts(): Uint8Array[] {
    this.flushScratch();
    return this.chunks;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let pos = 0;
    for (const c of this.parts()) {
      out.set(c, pos);
      pos += c.length;
    }
    return out;
  }
}
