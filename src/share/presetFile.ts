/** Preset files (export/import): JSON with full-precision vectors, validated like a link. */
import type { Preset } from './preset';
import { checkPresetFields, presetHeader, type Checked } from './schema';
import { fileTooLarge, MAX_PRESETS_FILE_BYTES } from '../persona/limits';

export const PRESET_FILE_FORMAT = 'persona-lab-presets';
export const PRESET_FILE_VERSION = 1;

export function presetsToJson(presets: Preset[]): string {
  return JSON.stringify({
    format: PRESET_FILE_FORMAT,
    version: PRESET_FILE_VERSION,
    presets: presets.map((p) => ({
      ...presetHeader(p),
      traits: p.traits.map((t) => ({ name: t.name, alpha: t.alpha, typicalNorm: t.typicalNorm, vector: Array.from(t.vector) })),
    })),
  });
}

/** Parses a presets file; never throws. */
export function presetsFromJson(text: string): Checked<Preset[]> {
  if (text.length > MAX_PRESETS_FILE_BYTES) return { ok: false, error: fileTooLarge(text.length, MAX_PRESETS_FILE_BYTES, 'a presets file') };
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `not valid JSON (${(e as Error).message})` };
  }
  if (typeof o !== 'object' || o === null || (o as { format?: unknown }).format !== PRESET_FILE_FORMAT)
    return { ok: false, error: 'not a Persona Lab presets file' };
  const f = o as { version?: unknown; presets?: unknown };
  if (typeof f.version !== 'number' || f.version > PRESET_FILE_VERSION)
    return { ok: false, error: `presets file version ${String(f.version)}; this lab reads up to ${PRESET_FILE_VERSION}` };
  if (!Array.isArray(f.presets) || f.presets.length > 1000) return { ok: false, error: '"presets" must be a list' };
  const out: Preset[] = [];
  for (const [i, p] of f.presets.entries()) {
    const r = checkPresetFields(p, (t) => {
      if (!Array.isArray(t.vector) || t.vector.length > 16384 || !t.vector.every((x) => typeof x === 'number'))
        throw new Error('"vector" must be a list of numbers');
      return Float32Array.from(t.vector as number[]);
    });
    if (!r.ok) return { ok: false, error: `preset ${i + 1}: ${r.error}` };
    out.push(r.value);
  }
  return { ok: true, value: out };
}
