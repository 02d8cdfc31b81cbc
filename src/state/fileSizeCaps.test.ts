/**
 * Files refused by their size before they are read (issue 20's follow-up): vector files (cap from
 * the loaded model's shape), screening files and presets files. Each refusal says how large the
 * file is and what the cap is, and changes nothing already in the lab.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_PRESETS_FILE_BYTES, MAX_SCREEN_FILE_BYTES, maxVectorFileBytes } from '../persona/limits';
import { presetsFromJson } from '../share';
import { loadModel } from './actions/model';
import { importPresets, refuseLargePresetsFile } from './actions/presets';
import { loadScreenFile, refuseLargeScreenFile } from './actions/screen';
import { importVectorForTrait, refuseLargeVectorFile } from './actions/vectorFiles';
import { setEngine } from './engine';
import { stopPersistence } from './persist';
import { setStorage } from './storage';
import { getLab, resetLab, setLab } from './store';
import { fakeEngine, fakeInfo } from './testing/fakeEngine';
import type { Preset } from './types';

const L = 4,
  H = 8;

beforeEach(async () => {
  stopPersistence();
  resetLab();
  setEngine(fakeEngine(fakeInfo(L, H)));
  setStorage(null);
  setLab({ modelText: 'fake/model', hubHost: 'https://huggingface.co' });
  expect(await loadModel()).toBe(true);
});

describe('vector files', () => {
  const cap = maxVectorFileBytes({ numLayers: L, hiddenSize: H });

  it("a file over the loaded model's cap is refused by its size, with both sizes named", () => {
    expect(refuseLargeVectorFile('huge.safetensors', cap)).toBe(false);
    expect(getLab().vectorFileError).toBeNull();
    expect(refuseLargeVectorFile('huge.safetensors', 80_000_000)).toBe(true);
    expect(getLab().vectorFileError?.message).toBe(
      'huge.safetensors: the file is 80 MB; a vector file for fake/model may be at most 8.0 MB, so it was not read',
    );
    expect(getLab().vectorFileError?.hint).toMatch(/at most one row of 8 values per layer \(4 blocks and the embedding\)/);
  });

  it('importVectorForTrait refuses bytes over the cap before parsing them; the vectors are unchanged', async () => {
    const before = getLab().vectors;
    expect(await importVectorForTrait('evil', new Uint8Array(cap + 1), 'big.gguf')).toBeNull();
    expect(getLab().vectorFileError?.message).toBe(
      `big.gguf: the file is ${cap + 1} bytes; a vector file for fake/model may be at most ${cap} bytes, so it was not read`,
    );
    expect(getLab().vectors).toBe(before);
  });

  it('without a model there is no cap to apply (the import says to load one)', () => {
    setLab({ loadState: 'idle', info: null });
    expect(refuseLargeVectorFile('huge.safetensors', 80_000_000)).toBe(false);
    expect(getLab().vectorFileError).toBeNull();
  });
});

describe('screening files', () => {
  it('a file over MAX_SCREEN_FILE_BYTES is refused and the file loaded before stays loaded', () => {
    expect(loadScreenFile('good.jsonl', '{"prompt": "a", "response": "b"}\n')).toBe(1);
    expect(refuseLargeScreenFile('huge.jsonl', MAX_SCREEN_FILE_BYTES)).toBe(false);
    expect(refuseLargeScreenFile('huge.jsonl', 250_000_000)).toBe(true);
    const s = getLab().screen;
    expect(s.error?.message).toBe('huge.jsonl: the file is 250 MB; a screening file may be at most 100 MB, so it was not read');
    expect(s.error?.hint).toMatch(/Split the dataset/);
    expect(s.fileName).toBe('good.jsonl');
  });

  it('loadScreenFile refuses text over the cap without parsing it', () => {
    expect(loadScreenFile('good.jsonl', '{"prompt": "a", "response": "b"}\n')).toBe(1);
    expect(loadScreenFile('huge.jsonl', 'x'.repeat(MAX_SCREEN_FILE_BYTES + 1))).toBe(0);
    expect(getLab().screen.error?.message).toMatch(/^huge\.jsonl: the file is 100000001 bytes; a screening file may be at most 100000000 bytes/);
    expect(getLab().screen.fileName).toBe('good.jsonl');
    expect(getLab().screen.parseErrors).toEqual([]);
  });
});

describe('presets files', () => {
  const preset: Preset = {
    name: 'saved',
    modelId: 'fake/model',
    layer: 2,
    positions: 'response',
    sampling: { temperature: 0, topK: 0, topP: 1 },
    seed: 1,
    maxNewTokens: 4,
    systemPrompt: '',
    prompt: '',
    traits: [],
    createdAt: 1,
  };

  it('a file over MAX_PRESETS_FILE_BYTES is refused by its size; the saved presets are unchanged', () => {
    setLab({ presets: [preset] });
    expect(refuseLargePresetsFile(MAX_PRESETS_FILE_BYTES)).toBe(false);
    expect(refuseLargePresetsFile(30_000_000)).toBe(true);
    expect(getLab().shareNotice).toMatchObject({
      kind: 'error',
      message: 'could not import presets: the file is 30 MB; a presets file may be at most 20 MB, so it was not read',
    });
    expect(getLab().presets).toEqual([preset]);
  });

  it('the reader says the same in the same words for text over the cap', () => {
    setLab({ presets: [preset] });
    expect(presetsFromJson(' '.repeat(MAX_PRESETS_FILE_BYTES + 1))).toEqual({
      ok: false,
      error: 'the file is 20000001 bytes; a presets file may be at most 20000000 bytes',
    });
    expect(importPresets(' '.repeat(MAX_PRESETS_FILE_BYTES + 1))).toBe(0);
    expect(getLab().presets).toEqual([preset]);
  });
});
