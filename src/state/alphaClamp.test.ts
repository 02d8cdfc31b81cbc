import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseArgs, sensibleAlphas } from '../cli/args';
import { steeringFromArgs } from '../cli/capture';
import { LAB_ALPHA_LIMITS, labAlphaLimits, PROMPT_ALPHA_LIMITS, strictestAlphaLimits } from '../persona/steering';
import { writeSafetensors } from '../persona/safetensors';
import { encodePreset, presetsToJson } from '../share';
import { MemoryStorage } from '../storage';
import { settled } from './actions/chat';
import { setAlpha, setSteeringOption } from './actions/steering';
import { loadModel } from './actions/model';
import { applyPreset, currentPreset, importPresets, openShareLink } from './actions/presets';
import { setEngine } from './engine';
import { importLab } from './labArchive';
import { restore, SETTINGS_KEY, stopPersistence, type KeyValue } from './persist';
import { setStorage } from './storage';
import { clampEnteringAlphas, clampPresetAlphas } from './alphaClamp';
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
    expect(clampEnteringAlphas({}, { t: 9.5 }, v, 2, 'response')).toEqual({ alphas: { t: 9.5 }, note: null });
    const c = clampEnteringAlphas({}, { t: 1e6 }, v, 2, 'response');
    expect(c.alphas.t).toBeCloseTo(10, 6);
    expect(c.note).toMatch(/^t: α 1\.00e\+6 would add 400000\.00× the typical residual norm; limited to 4× \(α 10\.0\) \(response mode\)$/);
    expect(clampEnteringAlphas({}, { t: -50 }, { t: vector('t', null) }, 2, 'all')).toEqual({
      alphas: { t: -20 },
      note: 't: α -50 is outside ±20; limited to -20 (all mode)',
    });
    expect(clampEnteringAlphas({}, { t: NaN }, v, 2, 'response').alphas.t).toBe(0);
    // an α that did not change is left alone (a layer change does not re-clamp it)
    expect(clampEnteringAlphas({ t: 15 }, { t: 15 }, v, 2, 'response').note).toBeNull();
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
    expect(getLab()).toMatchObject({ alphas: { optimistic: -20 }, alphaNote: 'optimistic: α -33 is outside ±20; limited to -20 (response mode)' });
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
      name: 'wild',
      modelId: 'fake/model',
      layer: 2,
      positions: 'response' as const,
      sampling: { temperature: 0, topK: 0, topP: 1 },
      seed: 1,
      maxNewTokens: 8,
      systemPrompt: '',
      prompt: '',
      createdAt: 1,
      traits: [
        { name: 'optimistic', alpha: 999, vector: Float32Array.from([3, 4, 0]), typicalNorm: 5 },
        { name: 'calm', alpha: -500, vector: Float32Array.from([0, 1, 0]) },
      ],
    };
    expect(importPresets(presetsToJson([p]))).toBe(1);
    const got = getLab().presets[0];
    expect(got.traits.map((t) => t.alpha)).toEqual([4, -20]);
    expect(getLab().alphaNote).toMatch(
      /preset "wild", optimistic: α 999 would add 999\.00× .*limited to 4× \(α 4\.00\).*preset "wild", calm: α -500 is outside ±20; limited to -20/,
    );
    expect(clampPresetAlphas({ ...p, traits: [p.traits[0]].map((t) => ({ ...t, alpha: 2 })) }).notes).toEqual([]);
  });

  it('a saved settings document with α far out is clamped on restore', async () => {
    const storage = new MemoryStorage();
    await storage.put('vectors', { id: 'lab:optimistic', vector: vector('optimistic') });
    const kv: KeyValue = {
      getItem: (k) => (k === SETTINGS_KEY ? JSON.stringify({ alphas: { optimistic: 1e9 }, active: ['optimistic'], layer: 2 }) : null),
      setItem: () => {},
    };
    expect(await restore(storage, kv)).toBe(true);
    expect(getLab().alphas.optimistic).toBeCloseTo(10, 6);
    expect(getLab().alphaNote).toMatch(/optimistic: α 1\.00e\+9/);
  });

  it('the CLI: --alphas / --alpha far out are clamped with one warning line on stderr', () => {
    const lines: string[] = [];
    expect(sensibleAlphas('alphas', [-2, 0, 2], 'response', (l) => lines.push(l))).toEqual([-2, 0, 2]);
    expect(lines).toEqual([]);
    expect(sensibleAlphas('alphas', [-100, 1, 1e4], 'response', (l) => lines.push(l))).toEqual([-20, 1, 20]);
    expect(lines).toEqual(['warning: --alphas (response mode): α -100 is outside ±20; limited to -20; α 10000 is outside ±20; limited to 20']);
    const dir = mkdtempSync(join(tmpdir(), 'alpha-'));
    const file = join(dir, 'v.safetensors');
    writeFileSync(file, writeSafetensors({ vector: { shape: [8], data: Float32Array.from({ length: 8 }, (_, i) => i) } }));
    const writes: string[] = [];
    const orig = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((c: string) => (writes.push(String(c)), true)) as typeof process.stderr.write;
    try {
      const term = steeringFromArgs(parseArgs(['--steer', file, '--layer', '1', '--alpha', '500']), { numLayers: 4, hiddenSize: 8 }, 'response');
      expect(term?.alpha).toBe(20);
    } finally {
      process.stderr.write = orig;
    }
    expect(writes).toEqual(['warning: --alpha (response mode): α 500 is outside ±20; limited to 20\n']);
  });
});

/**
 * The limits depend on where α·v is added: steering only the prompt (position mode 'prompt') leaves the answer's own
 * tokens alone, so it gets |ρ| ≤ 12 (|α| ≤ 60 without norms); 'response' and 'all' keep |ρ| ≤ 4 (|α| ≤ 20). With the
 * test vector (ρ = 0.4·α at layer 2) α 25 is ρ 10: kept when only the prompt is steered, limited to α 10 otherwise.
 */
describe('the α limits depend on the position mode', () => {
  it('one function gives the limits for a mode', () => {
    expect(labAlphaLimits('response')).toEqual({ maxRelative: 4, maxAbsolute: 20 });
    expect(labAlphaLimits('all')).toEqual(LAB_ALPHA_LIMITS);
    expect(labAlphaLimits('prompt')).toEqual({ maxRelative: 12, maxAbsolute: 60 });
    expect(PROMPT_ALPHA_LIMITS).toBe(labAlphaLimits('prompt'));
    expect(strictestAlphaLimits(['prompt', 'response'])).toEqual(LAB_ALPHA_LIMITS);
    expect(strictestAlphaLimits(['prompt'])).toEqual(PROMPT_ALPHA_LIMITS);
  });

  it('the store: ρ 10 is kept in prompt mode, limited to 4× in response and all mode', () => {
    const v = { t: vector('t') };
    expect(clampEnteringAlphas({}, { t: 25 }, v, 2, 'prompt')).toEqual({ alphas: { t: 25 }, note: null });
    expect(clampEnteringAlphas({}, { t: 25 }, v, 2, 'response').alphas.t).toBeCloseTo(10, 6);
    expect(clampEnteringAlphas({}, { t: 25 }, v, 2, 'all').alphas.t).toBeCloseTo(10, 6);
    const far = clampEnteringAlphas({}, { t: 40 }, v, 2, 'prompt');
    expect(far.alphas.t).toBeCloseTo(30, 6);
    expect(far.note).toBe('t: α 40.0 would add 16.00× the typical residual norm; limited to 12× (α 30.0) (prompt mode)');
    expect(clampEnteringAlphas({}, { t: 59 }, { t: vector('t', null) }, 2, 'prompt').note).toBeNull();
    expect(clampEnteringAlphas({}, { t: 59 }, { t: vector('t', null) }, 2, 'response').alphas.t).toBe(20);
    // recheckAll: an unchanged α is clamped again (the mode changed)
    expect(clampEnteringAlphas({ t: 25 }, { t: 25 }, v, 2, 'response').note).toBeNull();
    expect(clampEnteringAlphas({ t: 25 }, { t: 25 }, v, 2, 'response', true).alphas.t).toBeCloseTo(10, 6);
  });

  it('the slider in prompt mode keeps ρ 10; switching to response re-clamps it with the note; switching back keeps it', () => {
    setLab({ vectors: { optimistic: vector('optimistic') }, active: ['optimistic'], layer: 2 });
    setSteeringOption({ positions: 'prompt' }, false);
    setAlpha('optimistic', 25, false);
    expect(getLab()).toMatchObject({ alphas: { optimistic: 25 }, alphaNote: null });
    setAlpha('optimistic', 40, false);
    expect(getLab().alphas.optimistic).toBeCloseTo(30, 6);
    expect(getLab().alphaNote).toMatch(/limited to 12× \(α 30\.0\) \(prompt mode\)$/);
    setAlpha('optimistic', 25, false);
    setSteeringOption({ positions: 'response' }, false);
    expect(getLab().alphas.optimistic).toBeCloseTo(10, 6);
    expect(getLab().alphaNote).toBe('optimistic: α 25.0 would add 10.00× the typical residual norm; limited to 4× (α 10.0) (response mode)');
    setSteeringOption({ positions: 'prompt' }, false);
    expect(getLab().alphas.optimistic).toBeCloseTo(10, 6);
    // a mode change with α in range changes nothing
    setAlpha('optimistic', 2, false);
    setSteeringOption({ positions: 'all' }, false);
    expect(getLab()).toMatchObject({ alphas: { optimistic: 2 }, alphaNote: null, positions: 'all' });
  });

  it("a share link and a presets file clamp by the preset's own position mode", async () => {
    setLab({ modelText: 'fake/model', hubHost: 'https://huggingface.co' });
    expect(await loadModel()).toBe(true);
    setLab({ vectors: { optimistic: vector('optimistic') }, active: ['optimistic'], alphas: { optimistic: 2 }, layer: 2, positions: 'prompt' });
    const p = currentPreset('prompt-mode')!;
    expect(p.positions).toBe('prompt');
    const link = encodePreset({ ...p, traits: p.traits.map((t) => ({ ...t, alpha: 25 })) });
    resetLab();
    setEngine(fakeEngine());
    expect(await openShareLink(`#preset=${link}`)).toBe(true);
    await settled();
    expect(getLab().positions).toBe('prompt');
    expect(getLab().alphas.optimistic).toBeCloseTo(25, 6);
    expect(getLab().alphaNote).toBeNull();
    const file = (positions: 'prompt' | 'response') =>
      presetsToJson([{ ...p, name: positions, positions, traits: [{ name: 'optimistic', alpha: 11, vector: Float32Array.from([3, 4, 0]), typicalNorm: 5 }] }]);
    expect(importPresets(file('prompt'))).toBe(1);
    expect(getLab().presets.find((x) => x.name === 'prompt')!.traits[0].alpha).toBe(11);
    expect(importPresets(file('response'))).toBe(1);
    expect(getLab().presets.find((x) => x.name === 'response')!.traits[0].alpha).toBe(4);
    expect(getLab().alphaNote).toMatch(/preset "response", optimistic: α 11\.0 would add 11\.00× .*limited to 4× \(α 4\.00\) \(response mode\)/);
    expect(clampPresetAlphas({ ...p, positions: 'prompt', traits: [{ ...p.traits[0], alpha: 40 }] }).preset.traits[0].alpha).toBeCloseTo(30, 4);
  });

  it('saved settings and an imported lab clamp by the mode they carry', async () => {
    const storage = new MemoryStorage();
    await storage.put('vectors', { id: 'lab:optimistic', vector: vector('optimistic') });
    const saved = (positions: string) => ({
      getItem: (k: string) => (k === SETTINGS_KEY ? JSON.stringify({ alphas: { optimistic: 25 }, active: ['optimistic'], layer: 2, positions }) : null),
      setItem: () => {},
    });
    expect(await restore(storage, saved('prompt'))).toBe(true);
    expect(getLab()).toMatchObject({ alphas: { optimistic: 25 }, positions: 'prompt', alphaNote: null });
    resetLab();
    expect(await restore(storage, saved('response'))).toBe(true);
    expect(getLab().alphas.optimistic).toBeCloseTo(10, 6);
    const archive = (positions: string) =>
      JSON.stringify({
        format: 'persona-lab-archive',
        version: 1,
        createdAt: 0,
        traits: [],
        presets: [],
        records: {},
        settings: { alphas: { optimistic: 25 }, active: ['optimistic'], layer: 2, positions },
        vectors: [{ ...vector('optimistic'), data: { $typed: 'Float32Array', base64: Buffer.from(vector('optimistic').data.buffer).toString('base64url') } }],
      });
    resetLab();
    expect((await importLab(archive('prompt'), null)).ok).toBe(true);
    expect(getLab()).toMatchObject({ alphas: { optimistic: 25 }, positions: 'prompt', alphaNote: null });
    resetLab();
    expect((await importLab(archive('all'), null)).ok).toBe(true);
    expect(getLab().alphas.optimistic).toBeCloseTo(10, 6);
    expect(getLab().alphaNote).toMatch(/limited to 4× .*\(all mode\)/);
  });

  it("the CLI: --alpha/--alphas are clamped for the position mode they steer (the strictest of a sweep's modes)", () => {
    const lines: string[] = [];
    expect(sensibleAlphas('alphas', [-50, 4, 59], 'prompt', (l) => lines.push(l))).toEqual([-50, 4, 59]);
    expect(lines).toEqual([]);
    expect(sensibleAlphas('alphas', [100], 'prompt', (l) => lines.push(l))).toEqual([60]);
    expect(sensibleAlphas('alphas', [50], ['response', 'prompt'], (l) => lines.push(l))).toEqual([20]);
    expect(sensibleAlphas('alphas', [50], 'all', (l) => lines.push(l))).toEqual([20]);
    expect(lines).toEqual([
      'warning: --alphas (prompt mode): α 100 is outside ±60; limited to 60',
      'warning: --alphas (response, prompt mode): α 50 is outside ±20; limited to 20',
      'warning: --alphas (all mode): α 50 is outside ±20; limited to 20',
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'alpha-'));
    const file = join(dir, 'v.safetensors');
    writeFileSync(file, writeSafetensors({ vector: { shape: [8], data: Float32Array.from({ length: 8 }, (_, i) => i) } }));
    const args = parseArgs(['--steer', file, '--layer', '1', '--alpha', '50']);
    expect(steeringFromArgs(args, { numLayers: 4, hiddenSize: 8 }, 'prompt')?.alpha).toBe(50);
    const orig = process.stderr.write.bind(process.stderr);
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      expect(steeringFromArgs(args, { numLayers: 4, hiddenSize: 8 }, 'response')?.alpha).toBe(20);
    } finally {
      process.stderr.write = orig;
    }
  });
});
