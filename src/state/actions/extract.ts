/**
 * Persona-vector extraction in the page, through the engine's verbs (DESIGN.md §2): rollouts with
 * engine.generate under positive/negative system prompts, an optional judge filter (lexicon judge
 * for the demo traits), engine.capture per response, response_avg running means, vector =
 * mean(pos) − mean(neg), then per-layer statistics and a suggested layer. Progress with counts and
 * ETA; cancellable between and within steps.
 */
import type { ChatMessage } from '../../engine/api';
import { makeCapture, ReadoutAccumulator, readouts, personaVectorFrom } from '../../persona/extract';
import { layerStats, projectOnRows, suggestLayer } from '../../persona/layerStats';
import { isDemoTrait, judgeCoherence, judgeTrait } from '../../persona/lexiconJudge';
import { median } from '../../persona/stats';
import { typicalResidualNorm } from '../../persona/steering';
import { systemPrompt, type TraitSet } from '../../persona/traitSet';
import { getEngine, isCancelled, streamId, toUiError } from '../engine';
import { getLab, setLab } from '../store';
import type { VectorEntry } from '../types';

interface Rollout { side: 'pos' | 'neg'; messages: ChatMessage[]; text: string; pair: number; question: number; sample: number }

let cancelRequested = false;
let currentStream: string | null = null;

export function cancelExtraction(): void {
  cancelRequested = true;
  if (currentStream) void getEngine().cancel(currentStream).catch(() => undefined);
}

class Eta {
  private readonly start = Date.now();
  constructor(readonly total: number) {}
  seconds(done: number): number | null {
    if (done <= 0) return null;
    return ((Date.now() - this.start) / 1000 / done) * (this.total - done);
  }
}

export async function extractTrait(traitName: string): Promise<VectorEntry | null> {
  const s = getLab();
  const entry = s.traits.find((t) => t.set.name === traitName);
  if (!entry) return null;
  if (s.loadState !== 'ready' || !s.info) {
    setLab({ extractError: { message: 'no model is loaded', hint: 'Load a model in the Model panel, then extract.' } });
    return null;
  }
  if (s.extraction) return null;
  const trait: TraitSet = entry.set;
  const settings = s.extractSettings;
  const info = s.info;
  const modelId = s.loadedId ?? info.id;
  const questions = trait.extraction_questions.slice(0, Math.max(1, settings.questions));
  const pairs = trait.instruction.slice(0, Math.max(1, settings.pairs));
  const samples = Math.max(1, settings.samples);
  const nRollouts = questions.length * pairs.length * samples * 2;
  const eta = new Eta(nRollouts * 2);
  let done = 0;
  const progress = (phase: string) =>
    setLab({ extraction: { trait: traitName, phase, progress: { label: phase, done, total: nRollouts * 2, etaSeconds: eta.seconds(done), unit: 'steps' } } });
  cancelRequested = false;
  setLab({ extractError: null });
  progress('Generating responses');
  const engine = getEngine();
  const rows = info.numLayers + 1;
  const H = info.hiddenSize;
  const pos = new ReadoutAccumulator(rows, H);
  const neg = new ReadoutAccumulator(rows, H);
  const posSamples: Float32Array[] = [];
  const negSamples: Float32Array[] = [];
  const normsPerRow: number[][] = Array.from({ length: rows }, () => []);
  const judged = isDemoTrait(trait.name) && settings.filter;
  let dropped = 0;
  try {
    for (let qi = 0; qi < questions.length; qi++) {
      // 1) rollouts: every pair × side × sample for this question in one batch
      const batch: Rollout[] = [];
      for (let si = 0; si < samples; si++) {
        pairs.forEach((p, pi) => {
          for (const side of ['pos', 'neg'] as const) {
            batch.push({ side, pair: pi, question: qi, sample: si, text: '', messages: [{ role: 'system', content: systemPrompt(trait, side, side === 'pos' ? p.pos : p.neg) }, { role: 'user', content: questions[qi] }] });
          }
        });
      }
      for (let si = 0; si < samples; si++) {
        const part = batch.filter((r) => r.sample === si);
        currentStream = streamId(engine);
        const res = await engine.generate(
          { rows: part.map((r) => ({ prompt: { messages: r.messages }, steering: null })), maxNewTokens: settings.maxNewTokens, sampling: samples === 1 ? { temperature: 0, topK: 0, topP: 1 } : { temperature: 1, topK: 0, topP: 1 }, seed: 1000 + qi * 97 + si },
          undefined,
          currentStream,
        );
        currentStream = null;
        if (cancelRequested || res.rows.some((r) => r.finish === 'cancelled')) throw new CancelledError();
        res.rows.forEach((r, i) => (part[i].text = r.text));
        done += part.length;
        progress('Generating responses');
      }
      // 2) filter pairs with the judge (demo traits), else keep all
      let keep = batch.filter((r) => r.text.trim() !== '');
      if (judged) {
        const ok = new Set<string>();
        for (const r of batch) {
          if (r.side !== 'pos') continue;
          const n = batch.find((x) => x.side === 'neg' && x.pair === r.pair && x.sample === r.sample)!;
          if (judgeTrait(trait.name, r.text) >= 50 && judgeTrait(trait.name, n.text) < 50 && judgeCoherence(r.text) >= 50 && judgeCoherence(n.text) >= 50) ok.add(`${r.pair}/${r.sample}`);
        }
        const filtered = keep.filter((r) => ok.has(`${r.pair}/${r.sample}`));
        dropped += keep.length - filtered.length;
        keep = filtered;
      }
      // 3) one capture per batch of kept responses; response_avg readouts into the running means
      if (keep.length) {
        const cap = await engine.capture({ rows: keep.map((r) => ({ prompt: { messages: r.messages }, response: r.text })) });
        if (cancelRequested) throw new CancelledError();
        cap.rows.forEach((row, i) => {
          const T = row.ids.length;
          if (T <= row.promptLength) return;
          const c = makeCapture(row.resid, cap.numRows, T, cap.hiddenSize);
          const ro = readouts(c, row.promptLength);
          (keep[i].side === 'pos' ? pos : neg).add(ro);
          (keep[i].side === 'pos' ? posSamples : negSamples).push(ro.response_avg);
          for (let r = 0; r < cap.numRows; r++) normsPerRow[r].push(typicalResidualNorm(row.resid.subarray(r * T * H, (r + 1) * T * H), H));
        });
      }
      done += batch.length;
      progress('Reading activations');
    }
    if (pos.count === 0 || neg.count === 0) {
      throw new Error(`no ${pos.count === 0 ? 'positive' : 'negative'} responses were kept (${dropped} dropped by the judge)`);
    }
    const v = personaVectorFrom(pos, neg, 'response_avg', { modelId, trait: trait.name });
    const stats = layerStats(v, posSamples.map((x) => projectOnRows(x, v)), negSamples.map((x) => projectOnRows(x, v)));
    const layer = suggestLayer(stats) ?? Math.floor(info.numLayers / 2);
    const vec: VectorEntry = {
      trait: trait.name, modelId, rows: v.rows, hidden: v.hidden, data: v.data, layer, stats,
      typicalNorms: normsPerRow.map((n) => (n.length ? median(n) : 0)),
      samples: { pos: pos.count, neg: neg.count },
      note: judged ? `${dropped} of ${nRollouts} responses dropped by the lexicon judge` : undefined,
      createdAt: Date.now(),
    };
    setLab((st) => ({
      vectors: { ...st.vectors, [trait.name]: vec },
      active: st.active.includes(trait.name) ? st.active : [...st.active, trait.name],
      alphas: { ...st.alphas, [trait.name]: st.alphas[trait.name] ?? 0 },
      layer: Object.keys(st.vectors).length === 0 ? layer : st.layer,
      extraction: null,
    }));
    return vec;
  } catch (e) {
    currentStream = null;
    const cancelled = e instanceof CancelledError || isCancelled(e);
    setLab({ extraction: null, extractError: cancelled ? null : toUiError(e, 'Try more questions, or turn the judge filter off.') });
    return null;
  }
}

class CancelledError extends Error {
  override name = 'CancelledError';
}

/** Chooses the layer a trait's vector suggests for steering. */
export function setVectorLayer(trait: string, layer: number): void {
  setLab((s) => (s.vectors[trait] ? { vectors: { ...s.vectors, [trait]: { ...s.vectors[trait], layer } } } : {}));
}

export function deleteVector(trait: string): void {
  setLab((s) => {
    const vectors = { ...s.vectors };
    delete vectors[trait];
    return { vectors, active: s.active.filter((t) => t !== trait) };
  });
}
