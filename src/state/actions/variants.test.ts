/**
 * The variant picked in the Model panel: it goes to the load of the model it was picked for (not
 * to another model typed later), survives a reload like the other model settings, and a damaged
 * saved value is dropped.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setEngine } from '../engine';
import { restore, settingsOf, SETTINGS_KEY, stopPersistence, type KeyValue } from '../persist';
import { getLab, resetLab } from '../store';
import { fakeEngine } from '../testing/fakeEngine';
import { loadModel, setModelText } from './model';
import { pickVariant, variantFor } from './variants';

const kvWith = (doc: unknown): KeyValue => ({ getItem: (k) => (k === SETTINGS_KEY ? JSON.stringify(doc) : null), setItem: () => {} });

describe('the picked variant', () => {
  beforeEach(() => resetLab());
  afterEach(() => {
    stopPersistence();
    setEngine(null);
  });

  it('is sent with the load of the model it was picked for, and not with another model typed afterwards', async () => {
    const engine = fakeEngine();
    setEngine(engine);
    setModelText('demo');
    pickVariant('q4f16');
    expect(variantFor(getLab())).toBe('q4f16');
    await loadModel();
    expect(engine.log.loads.at(-1)?.variant).toBe('q4f16');
    setModelText('persona-lab/persona-demo');
    expect(variantFor(getLab())).toBeUndefined();
    setModelText('demo');
    pickVariant(null);
    await loadModel();
    expect(engine.log.loads.at(-1)?.variant).toBeUndefined();
  });

  it('is saved with the settings and restored; a damaged saved value is dropped', async () => {
    setModelText('onnx-community/Qwen3-0.6B-ONNX');
    pickVariant('fp16');
    const saved = settingsOf(getLab());
    expect(saved.variantChoice).toEqual({ model: 'onnx-community/Qwen3-0.6B-ONNX', name: 'fp16' });
    resetLab();
    await restore(null, kvWith(saved));
    expect(variantFor(getLab())).toBe('fp16');
    resetLab();
    await restore(null, kvWith({ ...saved, variantChoice: { model: 7, name: ['<script>'] } }));
    expect(getLab().variantChoice).toBeNull();
    expect(getLab().modelText).toBe('onnx-community/Qwen3-0.6B-ONNX');
  });
});
