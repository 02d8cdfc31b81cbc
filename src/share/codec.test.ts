import { deflateSync, inflateSync as inflate } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { Preset } from './preset';
import { floatToHalf as toHalf, halfToFloat as fromHalf } from '../engine/float16';
import { crc32, fromBase64Url, toBase64Url } from './bytes';
import { atSteeringPrecision as int8Steering } from '../persona/steeringPrecision';
import { decodePreset, encodePreset, MAX_INFLATED, MAX_LINK_CHARS, presetParam, SHARE_FORMAT_VERSION, shareLink } from './codec';
import { presetsFromJson, presetsToJson } from './presetFile';
import { seededRandom } from '../engine/sampling';

/** Deterministic pseudo-random numbers: the engine's seeded generator. */
const rng = seededRandom;

function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}

function preset(traits = 3, hidden = 896, seed = 1): Preset {
  const r = rng(seed);
  return {
    name: 'cheerful tutor',
    modelId: 'onnx-community/Qwen2.5-0.5B-Instruct',
    layer: 12,
    positions: 'response',
    sampling: { temperature: 0.7, topK: 40, topP: 0.95 },
    seed: 1234,
    maxNewTokens: 64,
    systemPrompt: 'You are a helpful assistant.',
    prompt: 'How do I learn to cook?',
    traits: Array.from({ length: traits }, (_, i) => ({
      name: ['optimistic', 'humorous', 'sycophantic', 'polite'][i % 4] + (i >= 4 ? i : ''),
      alpha: 1.5 - i,
      typicalNorm: 40 + i,
      vector: Float32Array.from({ length: hidden }, () => gaussian(r) * 2.5),
    })),
    createdAt: 1_700_000_000_000,
  };
}

function maxRelError(a: Float32Array, b: Float32Array): number {
  let max = 0,
    scale = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]));
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max / scale;
}

describe('share-link codec', () => {
  it('round-trips a preset (int8 and fp16)', () => {
    const p = preset();
    for (const quant of ['int8', 'fp16'] as const) {
      const r = decodePreset(encodePreset(p, { quant }));
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const q = r.preset;
      expect({ ...q, traits: [] }).toEqual({ ...p, traits: [] });
      q.traits.forEach((t, i) => {
        expect(t.name).toBe(p.traits[i].name);
        expect(t.alpha).toBe(p.traits[i].alpha);
        expect(t.typicalNorm).toBeCloseTo(p.traits[i].typicalNorm!, 4);
        expect(t.vector.length).toBe(896);
        // int8: error ≤ half a step of max/127; fp16: ≈ 2^-11 relative
        expect(maxRelError(p.traits[i].vector, t.vector)).toBeLessThan(quant === 'int8' ? 1 / 127 + 1e-6 : 1e-3);
      });
    }
  });

  it('fits a 3-trait preset for an 896-wide model in a URL under 8 KB', () => {
    const p = preset(3, 896);
    const page = 'https://persona-lab.example/?hub=https%3A%2F%2Fhuggingface.co';
    const sizes = Object.fromEntries((['int8', 'fp16'] as const).map((quant) => [quant, new TextEncoder().encode(shareLink(page, p, { quant })).length]));
    console.log(`share link for 3 traits × 896: int8 ${sizes.int8} bytes, fp16 ${sizes.fp16} bytes (limit 8192)`);
    expect(sizes.int8).toBeLessThan(8192);
  });

  it('finds the preset in a hash among other parameters', () => {
    const v = encodePreset(preset(1, 16));
    expect(presetParam(`#preset=${v}`)).toBe(v);
    expect(presetParam(`#x=1&preset=${v}`)).toBe(v);
    expect(presetParam('#tour=3')).toBeNull();
    const link = shareLink('http://localhost:4173/?hub=http%3A%2F%2F127.0.0.1%3A4174', preset(1, 16));
    expect(new URL(link).searchParams.get('hub')).toBe('http://127.0.0.1:4174');
  });

  it('rejects a tampered link with a checksum error', () => {
    const v = encodePreset(preset(1, 64));
    const [ver, body] = v.split('.');
    const packed = fromBase64Url(body)!;
    // change one byte inside the compressed stream, and separately one byte of the raw payload
    const raw = new Uint8Array(packed.length);
    raw.set(packed);
    raw[Math.floor(raw.length / 2)] ^= 0x10;
    const r1 = decodePreset(`${ver}.${toBase64Url(raw)}`);
    expect(r1.ok).toBe(false);
    const inner = rawPayload(preset(1, 64));
    inner[inner.length - 10] ^= 1; // a vector byte; CRC now wrong
    const r2 = decodePreset(`1.${toBase64Url(deflateSync(inner))}`);
    expect(r2.ok).toBe(false);
    if (!r2.ok) expect(r2.error.message).toMatch(/checksum/);
  });

  it('rejects truncated links', () => {
    const v = encodePreset(preset(2, 128));
    for (const cut of [3, 10, Math.floor(v.length / 2), v.length - 1]) {
      const r = decodePreset(v.slice(0, cut));
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.message.length).toBeGreaterThan(10);
        expect(r.error.hint.length).toBeGreaterThan(5);
      }
    }
  });

  it('rejects a newer format version clearly', () => {
    const v = encodePreset(preset(1, 16)).replace(/^\d+\./, `${SHARE_FORMAT_VERSION + 1}.`);
    const r = decodePreset(v);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.message).toMatch(/version 2/);
      expect(r.error.hint).toMatch(/newer/);
    }
  });

  it('rejects oversized links before decoding and decompression bombs while inflating', () => {
    const long = decodePreset(`1.${'A'.repeat(MAX_LINK_CHARS + 1)}`);
    expect(long.ok).toBe(false);
    if (!long.ok) expect(long.error.message).toMatch(/limit/);
    const bomb = deflateSync(new Uint8Array(MAX_INFLATED * 4));
    const r = decodePreset(`1.${toBase64Url(bomb)}`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/more than/);
  });

  it('rejects schema violations in a well-formed payload', () => {
    const bad = (mutate: (h: Record<string, unknown>) => void) => {
      const raw = rawPayload(preset(1, 8), mutate);
      return decodePreset(`1.${toBase64Url(deflateSync(raw))}`);
    };
    for (const [m, re] of [
      [(h: Record<string, unknown>) => (h.layer = -1), /layer/],
      [(h: Record<string, unknown>) => (h.positions = 'everywhere'), /positions/],
      [(h: Record<string, unknown>) => (h.name = 'x'.repeat(1000)), /name/],
      [(h: Record<string, unknown>) => ((h.traits as Record<string, unknown>[])[0].alpha = 'big'), /alpha/],
      [(h: Record<string, unknown>) => ((h.traits as Record<string, unknown>[])[0].length = 9), /cut short|extra/],
      [(h: Record<string, unknown>) => (h.hubHost = 'javascript:alert(1)'), /hubHost/],
    ] as const) {
      const r = bad(m);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(re);
    }
  });

  it('never throws on random input (seeded fuzz)', () => {
    const r = rng(2024);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.%#=&';
    const good = encodePreset(preset(2, 32));
    for (let i = 0; i < 500; i++) {
      let s: string;
      const kind = i % 4;
      if (kind === 0) s = Array.from({ length: Math.floor(r() * 200) }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
      else if (kind === 1) s = `1.${toBase64Url(Uint8Array.from({ length: Math.floor(r() * 300) }, () => Math.floor(r() * 256)))}`;
      else if (kind === 2) {
        const chars = good.split('');
        for (let k = 0; k < 1 + Math.floor(r() * 4); k++) chars[2 + Math.floor(r() * (chars.length - 2))] = alphabet[Math.floor(r() * 64)];
        s = chars.join('');
      } else {
        const raw = rawPayload(preset(1, 8));
        for (let k = 0; k < 1 + Math.floor(r() * 3); k++) raw[Math.floor(r() * raw.length)] = Math.floor(r() * 256);
        s = `1.${toBase64Url(deflateSync(raw))}`;
      }
      let result: ReturnType<typeof decodePreset> | undefined;
      expect(() => (result = decodePreset(s))).not.toThrow();
      if (result && !result.ok) expect(typeof result.error.message).toBe('string');
    }
  });
});

describe('steering precision', () => {
  it('int8Steering is idempotent, and a link carries exactly the vector the lab steers with', () => {
    const r = rng(7);
    for (let k = 0; k < 50; k++) {
      const v = Float32Array.from({ length: 64 }, () => gaussian(r) * 10 ** (r() * 6 - 3));
      const once = int8Steering(v);
      expect(Array.from(int8Steering(once))).toEqual(Array.from(once));
      const p = { ...preset(1, 64), traits: [{ name: 't', alpha: 1, vector: v }] };
      const d = decodePreset(encodePreset(p));
      expect(d.ok && Array.from(d.preset.traits[0].vector)).toEqual(Array.from(once));
    }
  });
});

describe('byte helpers', () => {
  it('crc32 matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
  it('base64url round-trips every length', () => {
    for (let n = 0; n < 20; n++) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255);
      expect(Array.from(fromBase64Url(toBase64Url(b))!)).toEqual(Array.from(b));
    }
    expect(fromBase64Url('ab$d')).toBeNull();
  });
  it('float16 conversion is exact on representable values and rounds the rest', () => {
    for (const x of [0, 1, -2, 0.5, 65504, 6.103515625e-5, 5.960464477539063e-8]) expect(fromHalf(toHalf(x))).toBe(x);
    expect(fromHalf(toHalf(1e6))).toBe(Infinity);
    expect(Math.abs(fromHalf(toHalf(0.1)) - 0.1)).toBeLessThan(1e-4);
  });
});

describe('preset files', () => {
  it('round-trip exactly and reject bad files', () => {
    const p = preset(2, 32);
    const r = presetsFromJson(presetsToJson([p]));
    expect(r.ok).toBe(true);
    if (r.ok) expect(Array.from(r.value[0].traits[1].vector)).toEqual(Array.from(p.traits[1].vector));
    expect(presetsFromJson('{').ok).toBe(false);
    expect(presetsFromJson('{"format":"persona-lab-presets","version":99,"presets":[]}').ok).toBe(false);
  });
});

/** The uncompressed payload of a preset, optionally with its header changed (CRC recomputed). */
function rawPayload(p: Preset, mutate?: (h: Record<string, unknown>) => void): Uint8Array {
  const v = encodePreset(p);
  const packed = fromBase64Url(v.slice(v.indexOf('.') + 1))!;
  const raw = inflate(packed);
  if (!mutate) return raw;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.length);
  const jsonLen = view.getUint32(5, true);
  const header = JSON.parse(new TextDecoder().decode(raw.subarray(9, 9 + jsonLen)));
  mutate(header);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const rest = raw.subarray(9 + jsonLen, raw.length - 4);
  const out = new Uint8Array(9 + json.length + rest.length + 4);
  out.set(raw.subarray(0, 5));
  new DataView(out.buffer).setUint32(5, json.length, true);
  out.set(json, 9);
  out.set(rest, 9 + json.length);
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}
