/**
 * Share links: a whole preset in the URL fragment, `#preset=<version>.<base64url>`.
 *
 * Payload (before deflate): "PLAB" magic, format version (u8), header length (u32 LE), header
 * JSON (UTF-8; the preset without vectors, each trait with quant/scale/length), the quantised
 * vectors back to back, and a CRC-32 (u32 LE) of everything before it. The decoder checks the
 * link's length before decoding, the version, the inflated size while inflating (never more than
 * MAX_INFLATED bytes), the magic, the checksum and the schema; it never throws.
 */
import { Inflate, deflateSync } from 'fflate';
import type { Preset } from './preset';
import { crc32, fromBase64Url, toBase64Url } from './bytes';
import { bytesPerValue, dequantize, quantize, type Quant } from './quantize';
import { checkPresetFields, presetHeader } from './schema';

export const SHARE_FORMAT_VERSION = 1;
export const SHARE_PARAM = 'preset';
/** Longest fragment value accepted (characters), checked before anything is decoded. */
export const MAX_LINK_CHARS = 64 * 1024;
/** Largest inflated payload accepted (bytes). */
export const MAX_INFLATED = 256 * 1024;
const MAGIC = [0x50, 0x4c, 0x41, 0x42]; // "PLAB"

export interface ShareError {
  message: string;
  hint: string;
}

export type DecodeResult = { ok: true; preset: Preset } | { ok: false; error: ShareError };

export interface EncodeOptions {
  quant?: Quant;
}

/** The fragment value (without `#preset=`) for a preset. */
export function encodePreset(p: Preset, opts: EncodeOptions = {}): string {
  const quant = opts.quant ?? 'int8';
  const parts = p.traits.map((t) => quantize(t.vector, quant));
  const header = {
    ...presetHeader(p),
    traits: p.traits.map((t, i) => ({
      name: t.name,
      alpha: t.alpha,
      quant,
      scale: parts[i].scale,
      length: t.vector.length,
      ...(t.typicalNorm !== undefined ? { typicalNorm: Math.fround(t.typicalNorm) } : {}),
    })),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const body = 4 + 1 + 4 + json.length + parts.reduce((a, q) => a + q.bytes.length, 0);
  const raw = new Uint8Array(body + 4);
  const view = new DataView(raw.buffer);
  raw.set(MAGIC, 0);
  raw[4] = SHARE_FORMAT_VERSION;
  view.setUint32(5, json.length, true);
  raw.set(json, 9);
  let o = 9 + json.length;
  for (const q of parts) {
    raw.set(q.bytes, o);
    o += q.bytes.length;
  }
  view.setUint32(o, crc32(raw.subarray(0, o)), true);
  return `${SHARE_FORMAT_VERSION}.${toBase64Url(deflateSync(raw, { level: 9 }))}`;
}

/** A full link: the page URL (query kept, e.g. ?hub=) with the preset in the fragment. */
export function shareLink(pageUrl: string, p: Preset, opts?: EncodeOptions): string {
  const u = new URL(pageUrl);
  u.hash = `${SHARE_PARAM}=${encodePreset(p, opts)}`;
  return u.href;
}

/** The encoded value from a location hash (`#preset=…`), or null when the hash holds no preset. */
export function presetParam(hash: string): string | null {
  const h = hash.startsWith('#') ? hash.slice(1) : hash;
  for (const part of h.split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq) === SHARE_PARAM) return part.slice(eq + 1);
  }
  return null;
}

function fail(message: string, hint = 'Ask for the link again; it may have been cut off when it was copied.'): DecodeResult {
  return { ok: false, error: { message, hint } };
}

/** Inflates with a hard output cap; null when the data is not deflate or grows past the cap. */
function inflateCapped(data: Uint8Array, cap: number): { bytes: Uint8Array } | { error: string } {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let over = false;
  let finished = false;
  try {
    const inf = new Inflate((chunk, final) => {
      size += chunk.length;
      if (size > cap) {
        over = true;
        throw new Error('too large');
      }
      chunks.push(chunk);
      if (final) finished = true;
    });
    inf.push(data, true);
  } catch (e) {
    if (over) return { error: `it expands to more than ${cap} bytes` };
    return { error: `its data is damaged (${e instanceof Error ? e.message : 'inflate failed'})` };
  }
  if (!finished) return { error: 'its data ends too early' };
  const out = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return { bytes: out };
}

/** Decodes and validates a fragment value. Never throws. */
export function decodePreset(value: string): DecodeResult {
  try {
    if (typeof value !== 'string' || value.length === 0) return fail('the share link holds no preset');
    if (value.length > MAX_LINK_CHARS)
      return fail(
        `the share link is ${value.length} characters long; the limit is ${MAX_LINK_CHARS}`,
        'Share links from Persona Lab are far shorter; this one was not made by the lab.',
      );
    const dot = value.indexOf('.');
    if (dot < 1) return fail('the share link has no format version');
    const vText = value.slice(0, dot);
    if (!/^\d{1,4}$/.test(vText)) return fail(`the share link's format version "${vText.slice(0, 10)}" is not a number`);
    const version = Number(vText);
    if (version > SHARE_FORMAT_VERSION)
      return fail(
        `the share link uses format version ${version}; this lab reads up to version ${SHARE_FORMAT_VERSION}`,
        'Open the link in a newer version of Persona Lab.',
      );
    if (version < 1) return fail(`the share link's format version ${version} does not exist`);
    const packed = fromBase64Url(value.slice(dot + 1));
    if (!packed || packed.length === 0) return fail('the share link contains characters that do not belong in it');
    const inflated = inflateCapped(packed, MAX_INFLATED);
    if ('error' in inflated) return fail(`the share link cannot be read: ${inflated.error}`);
    const raw = inflated.bytes;
    if (raw.length < 13 || MAGIC.some((b, i) => raw[i] !== b)) return fail('the share link is not a Persona Lab preset');
    if (raw[4] !== version) return fail(`the share link says version ${version} outside but ${raw[4]} inside`);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.length);
    const stored = view.getUint32(raw.length - 4, true);
    if (crc32(raw.subarray(0, raw.length - 4)) !== stored) return fail('the share link failed its checksum: it was changed or damaged');
    const jsonLen = view.getUint32(5, true);
    if (9 + jsonLen > raw.length - 4) return fail("the share link's header is longer than the link");
    let header: unknown;
    try {
      header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw.subarray(9, 9 + jsonLen)));
    } catch {
      return fail("the share link's header is not valid JSON");
    }
    let offset = 9 + jsonLen;
    const end = raw.length - 4;
    const checked = checkPresetFields(header, (t, i) => {
      const quant = t.quant;
      if (quant !== 'int8' && quant !== 'fp16') throw new Error(`trait ${i + 1}: unknown quantisation "${String(quant).slice(0, 20)}"`);
      const length = t.length;
      if (typeof length !== 'number' || !Number.isInteger(length) || length < 1 || length > 16384) throw new Error(`trait ${i + 1}: bad vector length`);
      const scale = t.scale;
      if (typeof scale !== 'number' || !Number.isFinite(scale) || scale < 0) throw new Error(`trait ${i + 1}: bad scale`);
      const n = length * bytesPerValue(quant);
      if (offset + n > end) throw new Error(`trait ${i + 1}: the vector data is cut short`);
      const v = dequantize(raw.slice(offset, offset + n), quant, scale, length);
      offset += n;
      return v;
    });
    if (!checked.ok) return fail(`the share link's preset is invalid: ${checked.error}`);
    if (offset !== end) return fail('the share link has extra data after its vectors');
    return { ok: true, preset: checked.value };
  } catch (e) {
    return fail(`the share link cannot be read (${e instanceof Error ? e.message : String(e)})`);
  }
}
