/**
 * Persona-vector extraction through the persona pipeline (src/persona/pipeline): rollouts under
 * positive/negative system prompts, judge + filter (the lexicon judge for the demo traits, none
 * otherwise), activations, vector = mean(pos) − mean(neg), held-out per-layer statistics and the
 * chosen layer. The pipeline computes all three readouts; the lab keeps the one the extraction
 * settings name, with that readout's own held-out statistics and suggested layer. Progress with
 * counts and ETA; cancellable; resumable (the pipeline stores steps, and a run with another readout
 * reuses the stored rollouts and activations).
 */
import { runPipeline, lexiconJudge, noJudge, PipelineError, type PipelineProgress } from '../../persona/pipeline';
import { isDemoTrait } from '../../persona/lexiconJudge';
import { typicalResidualNorm } from '../../persona/steering';
import { median } from '../../persona/stats';
import { getEngine, isCancelled, toUiError } from '../engine';
import { getStorage } from '../storage';
import { getLab, setLab } from '../store';
import type { JobProgress, Readout, VectorEntry } from '../types';

let controller: AbortController | null = null;

export function cancelExtraction(): void {
  controller?.abort();
}

const STEP_LABEL: Record<string, string> = {
  rollouts: 'Generating responses', judge: 'Judging responses', activations: 'Reading activations',
  heldout: 'Per-layer statistics on held-out responses', sweep: 'Steering sweep', steer: 'Steering', monitor: 'Monitoring', screen: 'Screening',
};

function progressView(p: PipelineProgress): JobProgress {
  const label = `${STEP_LABEL[p.step] ?? p.step}${p.phase ? ` (${p.phase})` : ''}`;
  return { label, done: p.done, total: p.total, etaSeconds: p.etaMs === null ? null : p.etaMs / 1000, unit: p.step === 'rollouts' ? 'responses' : 'items' };
}

/** Median per-token residual norm per row over a few prompts (for α relative to ‖resid‖). */
export async function typicalNorms(questions: string[], rows: number, hidden: number): Promise<number[]> {
  const res = await getEngine().capture({ rows: questions.slice(0, 4).map((q) => ({ prompt: { messages: [{ role: 'user' as const, content: q }] } })) });
  const perRow: number[][] = Array.from({ length: rows }, () => []);
  for (const c of res.rows) {
    const T = c.ids.length;
    for (let r = 0; r < rows; r++) perRow[r].push(typicalResidualNorm(c.resid.subarray(r * T * hidden, (r + 1) * T * hidden), hidden));
  }
  return perRow.map((n) => (n.length ? median(n) : 0));
}

/** Extracts a trait's vector with the extraction settings (`readout` overrides theirs, e.g. for the tour). */
export async function extractTrait(traitName: string, readout?: Readout): Promise<VectorEntry | null> {
  const s = getLab();
  const entry = s.traits.find((t) => t.set.name === traitName);
  if (!entry) return null;
  if (s.loadState !== 'ready' || !s.info) {
    setLab({ extractError: { message: 'no model is loaded', hint: 'Load a model in the Model panel, then extract.' } });
    return null;
  }
  if (s.extraction) return null;
  const trait = entry.set;
  const st = s.extractSettings;
  const info = s.info;
  const modelId = s.loadedId ?? info.id;
  const judged = st.filter && isDemoTrait(trait.name);
  controller = new AbortController();
  setLab({ extractError: null, extraction: { trait: trait.name, phase: 'Starting', progress: { label: 'Starting', done: 0, total: null, etaSeconds: null } } });
  try {
    const result = await runPipeline(
      {
        engine: getEngine(),
        info: { ...info, id: modelId },
        storage: await getStorage(),
        signal: controller.signal,
        onProgress: (p) => {
          const progress = progressView(p);
          setLab({ extraction: { trait: trait.name, phase: progress.label, progress } });
        },
      },
      {
        trait,
        judge: judged ? lexiconJudge(trait) : noJudge(),
        settings: {
          samples: st.samples, maxNewTokens: st.maxNewTokens, temperature: 1, batchSize: 16, seed: 0,
          maxExtractionQuestions: st.questions, maxInstructions: st.pairs,
          maxEvaluationQuestions: Math.max(2, Math.min(8, st.questions)), evaluationInstructions: 1,
          negativeName: 'helpful', sweep: null, readout: readout ?? st.readout,
        },
      },
    );
    const v = result.vector;
    const layer = result.chosenLayer ?? Math.floor(info.numLayers / 2);
    const norms = await typicalNorms(trait.extraction_questions, v.rows, v.hidden).catch(() => null);
    const c = result.counts;
    const vec: VectorEntry = {
      trait: trait.name, modelId, rows: v.rows, hidden: v.hidden, data: v.data, layer, readout: result.readout, stats: result.layerStats, typicalNorms: norms,
      samples: { pos: c.activations.pos, neg: c.activations.neg },
      note: judged ? `lexicon judge kept ${c.kept} of ${c.kept + c.dropped} pairs` : 'no judge: every pair kept',
      createdAt: Date.now(),
    };
    setLab((cur) => ({
      vectors: { ...cur.vectors, [trait.name]: vec },
      active: cur.active.includes(trait.name) ? cur.active : [...cur.active, trait.name],
      alphas: { ...cur.alphas, [trait.name]: cur.alphas[trait.name] ?? 0 },
      layer: Object.keys(cur.vectors).filter((k) => k !== trait.name).length === 0 ? layer : cur.layer,
      extraction: null,
    }));
    return vec;
  } catch (e) {
    const cancelled = isCancelled(e) || (e instanceof PipelineError && e.code === 'cancelled') || controller?.signal.aborted;
    const err = e instanceof PipelineError ? { message: e.message, hint: e.hint } : toUiError(e, 'Try more questions, or turn the judge filter off.');
    setLab({ extraction: null, extractError: cancelled ? null : err });
    return null;
  } finally {
    controller = null;
  }
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
