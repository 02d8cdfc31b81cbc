/**
 * Persona-vector extraction through the persona pipeline (src/persona/pipeline): rollouts under
 * positive/negative system prompts, judge + filter (the lexicon judge for the demo traits, the loaded
 * model judging itself otherwise; the filter only with the lexicon judge), activations, vector =
 * mean(pos) − mean(neg), held-out per-layer statistics, then the lab's short steering sweep
 * (src/persona/pipeline/labSweep.ts) whose controlled best cell sets the layer and the slider. The pipeline computes all three readouts; the lab keeps the one the extraction
 * settings name, with that readout's own held-out statistics and suggested layer. Progress with
 * counts and ETA; cancellable; resumable (the pipeline stores steps, and a run with another readout
 * reuses the stored rollouts and activations).
 */
import {
  labSweepSettings,
  labSweepSummary,
  typicalNorms as pipelineTypicalNorms,
  runPipeline,
  lexiconJudge,
  noJudge,
  PipelineError,
  selfJudge,
  type Judge,
  type PipelineContext,
  type PipelineProgress,
} from '../../persona/pipeline';
import type { TraitSet } from '../../persona/traitSet';
import { isDemoTrait } from '../../persona/lexiconJudge';
import { promptFormatOf } from '../../persona/promptFormat';
import { getEngine, isCancelled, toUiError } from '../engine';
import { setAlpha } from './steering';
import { getStorage } from '../storage';
import { chosenJudge, judgeLabel } from './judgeEndpoint';
import { getLab, setLab } from '../store';
import type { JobProgress, Readout, VectorEntry } from '../types';

let controller: AbortController | null = null;

export function cancelExtraction(): void {
  controller?.abort();
}

const STEP_LABEL: Record<string, string> = {
  rollouts: 'Generating responses',
  judge: 'Judging responses',
  activations: 'Reading activations',
  heldout: 'Per-layer statistics on held-out responses',
  sweep: 'Steering sweep',
  steer: 'Steering',
  monitor: 'Monitoring',
  screen: 'Screening',
};

function progressView(p: PipelineProgress): JobProgress {
  const label = `${STEP_LABEL[p.step] ?? p.step}${p.phase ? ` (${p.phase})` : ''}`;
  return { label, done: p.done, total: p.total, etaSeconds: p.etaMs === null ? null : p.etaMs / 1000, unit: p.step === 'rollouts' ? 'responses' : 'items' };
}

/** Median per-token residual norm per row over a few prompts (for α relative to ‖resid‖). */
export function typicalNorms(questions: string[], rows: number, hidden: number): Promise<number[]> {
  return pipelineTypicalNorms(getEngine(), questions, rows, hidden, undefined, promptFormatOf(getLab().info ?? {}));
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
  controller = new AbortController();
  setLab({ extractError: null, extraction: { trait: trait.name, phase: 'Starting', progress: { label: 'Starting', done: 0, total: null, etaSeconds: null } } });
  try {
    const ctx: PipelineContext = {
      engine: getEngine(),
      info: { ...info, id: modelId },
      storage: await getStorage(),
      signal: controller.signal,
      onProgress: (p) => {
        const progress = progressView(p);
        setLab({ extraction: { trait: trait.name, phase: progress.label, progress } });
      },
    };
    // the sweep's strengths are relative to the residual stream, so the norms come first
    const norms = await typicalNorms(trait.extraction_questions, info.numLayers + 1, info.hiddenSize).catch(() => null);
    const judge = await chosenJudge(trait, sweepJudge(ctx, trait));
    // the filter trusts the lexicon judge and a judge endpoint, not a small model judging itself
    const judged = st.filter && (judge.kind === 'lexicon' || judge.kind === 'openai');
    const result = await runPipeline(ctx, {
      trait,
      judge,
      settings: {
        samples: st.samples,
        maxNewTokens: st.maxNewTokens,
        temperature: 1,
        batchSize: 16,
        seed: 0,
        maxExtractionQuestions: st.questions,
        maxInstructions: st.pairs,
        maxEvaluationQuestions: Math.max(2, Math.min(8, st.questions)),
        evaluationInstructions: 1,
        negativeName: 'helpful',
        readout: readout ?? st.readout,
        filter: judged ? {} : { judge: 'none' },
        sweep: norms && judge.kind !== 'none' ? labSweepSettings(norms) : null,
      },
    });
    const v = result.vector;
    const sweep = result.sweep ? labSweepSummary(result.sweep.cells, result.steering, result.controls) : undefined;
    const suggested = sweep?.suggested ?? null;
    const layer = suggested?.layer ?? result.chosenLayer ?? Math.floor(info.numLayers / 2);
    const c = result.counts;
    const vec: VectorEntry = {
      trait: trait.name,
      modelId,
      rows: v.rows,
      hidden: v.hidden,
      data: v.data,
      layer,
      readout: result.readout,
      stats: result.layerStats,
      typicalNorms: norms,
      samples: { pos: c.activations.pos, neg: c.activations.neg },
      note: judged
        ? `${judgeLabel(judge)} kept ${c.kept} of ${c.kept + c.dropped} pairs`
        : `no filter: every pair kept${judge.kind !== 'none' ? ` · sweep judged by ${judgeLabel(judge)}` : ''}`,
      createdAt: Date.now(),
      ...(sweep ? { sweep } : {}),
    };
    // the sweep's strength goes on the slider unless the user has set one; the last reply is steered again
    const applySuggestion = suggested !== null && (getLab().alphas[trait.name] ?? 0) === 0;
    setLab((cur) => {
      const alone = Object.keys(cur.vectors).filter((k) => k !== trait.name).length === 0;
      return {
        vectors: { ...cur.vectors, [trait.name]: vec },
        active: cur.active.includes(trait.name) ? cur.active : [...cur.active, trait.name],
        alphas: { ...cur.alphas, [trait.name]: cur.alphas[trait.name] ?? 0 },
        layer: alone || suggested ? layer : cur.layer,
        ...(suggested ? { positions: suggested.positions ?? cur.positions } : {}),
        extraction: null,
      };
    });
    if (applySuggestion) setAlpha(trait.name, suggested.alpha);
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

/**
 * The judge of the extraction's filter and sweep: the lexicon judge for the demo traits; otherwise the
 * loaded model judging itself with the trait's judge prompt, or none when the trait has no judge prompt.
 */
function sweepJudge(ctx: PipelineContext, trait: TraitSet): Judge {
  if (isDemoTrait(trait.name)) return lexiconJudge(trait);
  return trait.eval_prompt ? selfJudge(ctx, trait) : noJudge();
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
