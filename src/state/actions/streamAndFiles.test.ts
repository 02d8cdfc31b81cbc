/**
 * Store-level: the chat's projection chart is filled while the reply streams (before the run
 * ends), and Import vector makes a file a trait's vector (steerable) or says what was wrong.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { GenerateEvent, GenerateRequest } from '../../engine/api';
import { MemoryStorage } from '../../storage';
import { vectorDownload } from '../../persona/vectorDownload';
import { writeSafetensors } from '../../persona/safetensors';
import { sendMessage, settled } from './chat';
import { loadModel } from './model';
import { buildVectorDownload, importVectorForTrait } from './vectorFiles';
import { steeringTerms } from './steer';
import { setEngine } from '../engine';
import { stopPersistence } from '../persist';
import { setStorage } from '../storage';
import { getLab, resetLab, setLab } from '../store';
import { fakeEngine } from '../testing/fakeEngine';
import type { VectorEntry } from '../types';

const L = 4,
  H = 8;
function vector(trait: string): VectorEntry {
  const data = new Float32Array((L + 1) * H);
  for (let r = 0; r <= L; r++) data[r * H] = 1 + r;
  return {
    trait,
    modelId: 'fake/model',
    rows: L + 1,
    hidden: H,
    data,
    layer: 2,
    stats: null,
    typicalNorms: Array(L + 1).fill(10),
    samples: { pos: 1, neg: 1 },
    createdAt: 0,
  };
}

let engine: ReturnType<typeof fakeEngine>;
beforeEach(async () => {
  resetLab();
  stopPersistence();
  engine = fakeEngine();
  setEngine(engine);
  setStorage(new MemoryStorage());
  setLab({ modelText: 'fake/model', hubHost: 'https://huggingface.co' });
  expect(await loadModel()).toBe(true);
});

describe('streamed projections in the chat', () => {
  it('the running turn carries a live monitor built from the streamed probe projections', async () => {
    setLab({ vectors: { optimistic: vector('optimistic') }, active: ['optimistic'], alphas: { optimistic: 0 }, layer: 2 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: GenerateRequest[] = [];
    engine.generate = async (request, onEvent) => {
      seen.push(request);
      const B = request.rows.length;
      const ev = (step: number, p: number): GenerateEvent => ({
        type: 'token',
        step,
        tokens: Array(B).fill(10 + step),
        deltas: Array(B).fill(`w${step} `),
        projections: Array.from({ length: B }, () => Array.from({ length: L + 1 }, (_, r) => [r === 3 ? p : -99])),
      });
      onEvent?.(ev(0, 1.5));
      onEvent?.(ev(1, 2.5));
      onEvent?.(ev(2, 3.5));
      await gate;
      return { rows: request.rows.map(() => ({ promptIds: [1], tokenIds: [10, 11, 12], text: 'w0 w1 w2 ', finish: 'length' as const })) };
    };
    const sending = sendMessage('hello');
    await new Promise((r) => setTimeout(r, 60)); // a frame passes while the run is still open
    const running = getLab().turns[0];
    expect(running.status).toBe('running');
    expect(running.steered).toBe('w0 w1 w2 ');
    expect(running.monitor?.projections.optimistic).toEqual([1.5, 2.5, 3.5]);
    expect(running.monitor?.tokens).toEqual(['', 'w0 ', 'w1 ', 'w2 ']);
    // the probe asked for is the unit trait direction at row layer+1
    const probe = seen[0].probes![0];
    expect(probe[3 * H]).toBeCloseTo(1, 6);
    expect(probe.reduce((a, x) => a + Math.abs(x), 0)).toBeCloseTo(1, 6);
    release();
    await sending;
    await settled();
    // finished: the capture of the finished text replaces the live chart
    const done = getLab().turns[0];
    expect(done.status).toBe('done');
    expect(done.monitor?.layerNorms.length).toBe(L + 1);
  });
});

describe('vector files in the store', () => {
  it('imports a downloaded vector into another trait and steers with it', async () => {
    setLab({ vectors: { optimistic: vector('optimistic') }, active: ['optimistic'], layer: 2 });
    const d = buildVectorDownload('optimistic', 'gguf', 'all')!;
    expect(d.fileName).toBe('optimistic.model.all-layers.gguf');
    const v = await importVectorForTrait('evil', d.bytes, d.fileName);
    expect(v).not.toBeNull();
    const s = getLab();
    expect(s.vectorFileError).toBeNull();
    expect(s.active).toContain('evil');
    expect(s.vectors.evil.data.subarray(2 * H)).toEqual(vector('x').data.subarray(2 * H)); // GGUF holds blocks ≥ 1 (rows ≥ 2)
    expect(s.vectors.evil.note).toMatch(/imported from optimistic\.model\.all-layers\.gguf \(gguf\).*trait "optimistic"/);
    setLab({ alphas: { evil: 2 } });
    expect(steeringTerms(getLab()).map((t) => t.alpha)).toEqual([2]);
  });

  it('a file for another hidden size sets a clear error and changes nothing', async () => {
    const bytes = writeSafetensors({ vector: { shape: [L + 1, 16], data: new Float32Array((L + 1) * 16) } });
    expect(await importVectorForTrait('evil', bytes, 'wide.safetensors')).toBeNull();
    const e = getLab().vectorFileError!;
    expect(e.message).toMatch(/wide\.safetensors .*hidden size is 16 but the model has 8/);
    expect(e.hint).toMatch(/hidden size 8/);
    expect(getLab().vectors.evil).toBeUndefined();
  });

  it('without a model it says to load one', async () => {
    setLab({ loadState: 'idle', info: null });
    const d = vectorDownload(vector('optimistic'), 'safetensors');
    expect(await importVectorForTrait('evil', d.bytes, d.fileName)).toBeNull();
    expect(getLab().vectorFileError?.hint).toMatch(/Load the model/);
  });
});

describe('sweep judged by the loaded model', () => {
  it('scores every reply from the next-token distribution over integer tokens', async () => {
    const { judgeSweepWithModel, sweepJudgeChoices } = await import('./sweepJudge');
    expect(sweepJudgeChoices('evil')).toEqual(['self', 'endpoint', 'none']);
    expect(sweepJudgeChoices('optimistic')[0]).toBe('lexicon');
    // token id k reads as the integer k (vocabulary 100); the judge's logits favour "80" for the reply "plus", else "20"
    engine.tokenize = async (p) => ('ids' in p ? { ids: p.ids, tokens: p.ids.map(String) } : { ids: [1], tokens: ['1'] });
    const base = engine.capture;
    engine.capture = async (req) => {
      if (req.includeLogits !== 'last') return base(req);
      return {
        numRows: L + 1,
        hiddenSize: H,
        rows: req.rows.map((r) => {
          const text = 'messages' in r.prompt ? r.prompt.messages[0].content : '';
          const logits = new Float32Array(100).fill(-30);
          logits[text.includes('A: plus') ? 80 : 20] = 10;
          return { ids: [1], tokens: ['1'], promptLength: 1, resid: new Float32Array(0), logits };
        }),
      };
    };
    setLab({
      traits: [
        {
          origin: 'user',
          set: {
            name: 'evil',
            description: '',
            instruction: [],
            extraction_questions: [],
            evaluation_questions: [],
            eval_prompt: 'Score 0-100. Q: {question} A: {answer}',
          },
        },
        ...getLab().traits,
      ],
      sweep: {
        trait: 'evil',
        layer: 2,
        prompt: 'hi',
        points: [
          { alpha: -1, text: 'minus', score: null },
          { alpha: 1, text: 'plus', score: null },
        ],
      },
    });
    expect(await judgeSweepWithModel()).toBe(true);
    expect(getLab().sweep!.points.map((p) => Math.round(p.score!))).toEqual([20, 80]);
  });
});
