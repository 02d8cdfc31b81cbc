import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseArgs, sensibleAlphas } from '../cli/args';
import { steeringFromArgs } from '../cli/capture';
import { LAB_ALPHA_LIMITS } from '../persona/steering';
import { writeSafetensors } from '../persona/safetensors';
import { encodePreset, presetsToJson } from '../share';
import { MemoryStorage } from '../storage';
import { setAlpha, settled } from './actions/chat';
import { loadModel } from './actions/model';
import { applyPreset, currentPreset, importPresets, openShareLink } from './actions/presets';
import { setEngine } from './engine';
import { restore, SETTINGS_KEY, stopPersistence, type KeyValue } from './persist';
import { clampPresetAlphas } from './presetsSlice';
import { setStorage } from './storage';
import { clampEnteringAlphas } from './steeringSlice';
import { getLab, resetLab, setLab } from './store';
import { fakeEngine } from './testing/fakeEngine';
import type { VectorEntry } from './types';

/** Row l+1 = (1 + (l+1)) · e0, so at layer 2 ‖row‖ = 4; typical residual norm 10 → ρ = 0.4·α; the limit ρ = 4 is α = 10. */
function vector(trait: string, typical: number[] | null = Array(5).fill(10)): VectorEntry {
  const rows = 5;
  const hidden = 8;
  const data = new Float32Array(rows * hidden);
  for (let r = 0; r < rows; r++) data[r * hidden] = 1 + r;
  return { trait, modelId: 'fake/model', rows, hidden, data, layer: 2, stats: null, typicalNorms: typical, samples: { pos: 1, neg: 1 }, createdAt: 0 };
}

beforeEach(() => {
  resetLab();
  stopPersistence();
  setEngine(fakeEngine());
  setStorage(new MemoryStorage());
});

describe('α entering the store is clamped to the sensible range, with a note', () => {
  it('the limits: |ρ| ≤ 4 when the norms are known, else |α| ≤ 20', () => {
    expect(LAB_ALPHA_LIMITS).toEqual({ maxRelative: 4, maxAbsolute: 20 });
    const v = { t: vector('t') };
    expect(clampEnteringAlphas({}, { t: 9.5 }, v, 2)).toEqual({ alphas: { t: 9.5 }, note: null });
    const c = clampEnteringAlphas({}, { t: 1e6 }, v, 2);
    expect(c.alphas.t).toBeCloseTo(10, 6);
    expect(c.note).toMatch(/^t: α 1\.00e\+6 would add 400000\.00× the typical residual norm; limited to 4× \(α 10\.0\)$/);
    expect(clampEnteringAlphas({}, { t: -50 }, { t: vector('t', null) }, 2)).toEqual({ alphas: { t: -20 }, note: 't: α -50 is outside ±20; limited to -20' });
    expect(clampEnteringAlphas({}, { t: NaN }, v, 2).alphas.t).toBe(0);
    // an α that did not change is left alone (a layer change does not re-clamp it)
    expect(clampEnteringAlphas({ t: 15 }, { t: 15 }, v, 2).note).toBeNull();
  });

  it('the steering slider (setAlpha): clamped in the store with alphaNote; a sensible move clears the note', () => {
    setLab({ vectors: { optimistic: vector('optimistic') }, active: ['optimistic'], layer: 2 });
    setAlpha('optimistic', 250, false);
    expect(getLab().alphas.optimistic).toBeCloseTo(10, 6);
    expect(getLab().alphaNote).toMatch(/optimistic: α 250 would add 100\.00× .*limited to 4×/);
    setAlpha('optimistic', 1.5, false);
    expect(getLab().alphas.optimistic).toBe(1.5);
    expect(getLab().alphaNote).toBeNull();
    // without known norms: raw α limit
    setLab({ vectors: { optimistic: vector('optimistic', null) } });
    setAlpha('optimistic', -33, false);
    expect(getLab()).toMatchObject({ alphas: { optimistic: -20 }, alphaNote: 'optimistic: α -33 is outside ±20; limited to -20' });
  });

  it('a share link with α far out: the restored slider is clamped and the note says so', async () => {
    setLab({ modelText: 'fake/model', hubHost: 'https://huggingface.co' });
    expect(await loadModel()).toBe(true);
    setLab({ vectors: { optimistic: vector('optimistic') }, active: ['optimistic'], alphas: { optimistic: 2 }, layer: 2 });
    const p = currentPreset('far')!;
    const link = encodePreset({ ...p, traits: p.traits.map((t) => ({ ...t, alpha: 900 })) });
    resetLab();
    setEngine(fakeEngine());
    expect(await openShareLink(`#preset=${link}`)).toBe(true);
    await settled();
    const s = getLab();
    expect(s.shareNotice?.kind).toBe('restored');
    expect(s.alphas.optimistic).toBeGreaterThan(9.9);
    expect(s.alphas.optimistic).toBeLessThan(10.1); // int8 link vectors: ‖row‖ within 1% of 4
    expect(s.alphaNote).toMatch(/optimistic: α 900 would add .*limited to 4×/);
    // applying a sensible preset keeps α and has no note
    await applyPreset({ ...p, traits: p.traits.map((t) => ({ ...t, alpha: -3 })) }, { load: false });
    expect(getLab()).toMatchObject({ alphas: { optimistic: -3 }, alphaNote: null });
  });

  it('a presets file with α far out: the stored preset is clamped and the note says so', () => {
    const p = {
      name: 'wild', modelId: 'fake/model', layer: 2, positions: 'response' as const, sampling: { temperature: 0, topK: 0, topP: 1 }, seed: 1, maxNewTokens: 8,
      systemPrompt: '', prompt: '', createdAt: 1, traits: [{ name: 'optimistic', alpha: 999, vector: Float32Array.from([3, 4, 0]), typicalNorm: 5 }, { name: 'calm', alpha: -500, vector: Float32Array.from([0, 1, 0]) }],
    };
    expect(importPresets(presetsToJson([p]))).toBe(1);
    const got = getLab().presets[0];
    expect(got.traits.map((t) => t.alpha)).toEqual([4, -20]);
    expect(getLab().alphaNote).toMatch(/preset "wild", optimistic: α 999 would add 999\.00× .*limited to 4× \(α 4\.00\).*preset "wild", calm: α -500 is outside ±20; limited to -20/);
    expect(clampPresetAlphas({ ...p, traits: [p.traits[0]].map((t) => ({ ...t, alpha: 2 })) }).notes).toEqual([]);
  });

  it('a saved settings document with α far out is clamped on restore', async () => {
    const storage = new MemoryStorage();
    await storage.put('vectors', { id: 'lab:optimistic', vector: vector('optimistic') });
    const kv: KeyValue = { getItem: (k) => (k === SETTINGS_KEY ? JSON.stringify({ alphas: { optimistic: 1e9 }, active: ['optimistic'], layer: 2 }) : null), setItem: () => {} };
    expect(await restore(storage, kv)).toBe(true);
    expect(getLab().alphas.optimistic).toBeCloseTo(10, 6);
    expect(getLab().alphaNote).toMatch(/optimistic: α 1\.00e\+9/);
  });

  it('the CLI: --alphas / --alpha far out are clamped with one warning line on stderr', () => {
    const lines: string[] = [];
    expect(sensibleAlphas('alphas', [-2, 0, 2], (l) => lines.push(l))).toEqual([-2, 0, 2]);
    expect(lines).toEqual([]);
    expect(sensibleAlphas('alphas', [-100, 1, 1e4], (l) => lines.push(l))).toEqual([-20, 1, 20]);
    expect(lines).toEqual(['warning: --alphas: α -100 is outside ±20; limited to -20; α 10000 is outside ±20; limited to 20']);
    const dir = mkdtempSync(join(tmpdir(), 'alpha-'));
    const file = join(dir, 'v.safetensors');
    writeFileSync(file, writeSafetensors({ vector: { shape: [8], data: Float32Array.from({ length: 8 }, (_, i) => i) } }));
    const writes: string[] = [];
    const orig = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((c: string) => (writes.push(String(c)), true)) as typeof process.stderr.write;
    try {
      const term = steeringFromArgs(parseArgs(['--steer', file, '--layer', '1', '--alpha', '500']), { numLayers: 4, hiddenSize: 8 });
      expect(term?.alpha).toBe(20);
    } finally {
      process.stderr.write = orig;
    }
    expect(writes).toEqual(['warning: --alpha: α 500 is outside ±20; limited to 20\n']);
  });
});
