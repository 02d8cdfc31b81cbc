/**
 * Issue 16's steering goal on the bundled demo model, with the lab's defaults and nothing tuned by
 * hand: for each demo trait, Extract as the lab does (response_avg vector, lexicon judge, the short
 * sweep of labSweep.ts with its shuffled-label controls), then on held-out evaluation questions
 * (10–19; the extraction's held-out statistics and sweep saw 0–5) with the paper's response positions at the suggested layer:
 * unsteered mean trait score ≤ 10; ≥ 80 at some α in the slider's clamp range with coherence ≥ 80;
 * and the mirror image, from the held-out eliciting prompt some α < 0 brings it to ≤ 10.
 * PERSONA_DEMO_DIR points it at another build. Numbers are printed.
 */
import v8 from 'node:v8';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MODEL_DIR, loadEngine } from '../../cli/loadEngine';
import type { Engine } from '../../engine/engine';
import { MemoryStorage } from '../../storage/memory';
import { vectorRow } from '../personaVector';
import { norm } from '../vectorMath';
import { labAlphaLimits } from '../steering';
import { importTraitSet, type TraitSet } from '../traitSet';
import {
  labSweepSettings,
  lexiconJudge,
  runPipeline,
  steeringEval,
  typicalNorms,
  type PipelineContext,
  type PipelineResult,
  type SteerCellResult,
} from './index';
import { rowOfLayer } from '../../engine/hooks';

v8.setFlagsFromString('--liftoff-only');

const TRAITS = ['optimistic', 'polite', 'humorous', 'sycophantic'] as const;
type DemoTrait = (typeof TRAITS)[number];
const DIR = process.env.PERSONA_DEMO_DIR ?? DEMO_MODEL_DIR;
const HELDOUT = join(DIR, 'heldout.json');
const ready = existsSync(HELDOUT) && TRAITS.every((t) => existsSync(join(DIR, 'traits', `${t}.json`)));
/** Strengths tried on the held-out questions, as a share of the typical residual norm (the clamp is 4). */
const RHOS = [0.5, 1, 2, 3, 4];
const BATCH = 64;
/**
 * The shipped demo model (v4) does not meet this goal (README, tools/demo-model): its sweep suggests no strength for
 * any trait. The claims run as expected failures until a model meets them; PERSONA_DEMO_STRICT=1 runs them as ordinary tests.
 */
const shortfall = process.env.PERSONA_DEMO_STRICT === '1' ? it : it.fails;
const MAX_TOKENS = 64;

function loadTrait(name: string): TraitSet {
  const v = importTraitSet(readFileSync(join(DIR, 'traits', `${name}.json`), 'utf8'), name);
  if (!v.ok) throw new Error(`demo trait ${name}: ${JSON.stringify(v.errors)}`);
  return v.value;
}

const show = (c: SteerCellResult) => `α${c.alpha} ${c.trait?.toFixed(0)}/${c.coherence?.toFixed(0)}`;

describe.skipIf(!ready)('the demo model steers with the lab’s defaults (issue 16)', () => {
  let engine: Engine;
  let ctx: PipelineContext;
  let heldout: { neutral_prompt: string; system_prompts: Record<string, { pos: string; neg: string }> };
  let norms: number[];
  const traits = {} as Record<DemoTrait, TraitSet>;
  const results = {} as Record<DemoTrait, PipelineResult>;

  beforeAll(async () => {
    const loaded = await loadEngine(DIR === DEMO_MODEL_DIR ? 'demo' : DIR, { quiet: true });
    engine = loaded.engine;
    ctx = { engine, info: loaded.info, storage: new MemoryStorage() };
    heldout = JSON.parse(readFileSync(HELDOUT, 'utf8'));
    for (const t of TRAITS) {
      traits[t] = loadTrait(t);
      norms ??= await typicalNorms(engine, traits[t].extraction_questions, ctx.info.numLayers + 1, ctx.info.hiddenSize);
      // the lab's Extract (state/actions/extract.ts) with its default settings
      results[t] = await runPipeline(ctx, {
        trait: traits[t],
        judge: lexiconJudge(traits[t]),
        settings: {
          samples: 1,
          maxNewTokens: 40,
          batchSize: BATCH,
          maxExtractionQuestions: 6,
          maxInstructions: 5,
          maxEvaluationQuestions: 6,
          evaluationInstructions: 1,
          readout: 'response_avg',
          sweep: labSweepSettings(norms),
        },
      });
      const r = results[t];
      console.log(
        `[goal] ${t}: suggested ${r.steering ? `L${r.steering.layer} α${r.steering.alpha} (${r.steering.trait?.toFixed(0)}/${r.steering.coherence?.toFixed(0)})` : 'none'}; controls ${(r.controls ?? []).map((c) => `L${c.cell.layer} α${c.cell.alpha} → ${c.shuffled.map((x) => x.trait?.toFixed(0)).join('/')} ${c.specific ? 'specific' : 'not specific'}`).join('; ')}`,
      );
    }
  }, 1_800_000);

  afterAll(async () => {
    await engine?.unload();
  });

  /** α at the trait's suggested layer for a share ρ of the typical residual norm. */
  const alphaAt = (t: DemoTrait, layer: number, rho: number) =>
    Number(((rho * norms[rowOfLayer(layer)]) / norm(vectorRow(results[t].vector, rowOfLayer(layer)))).toPrecision(3));
  /** The suggested layer; without a suggestion the layer the extraction chose, so that the numbers are still measured. */
  const layerOf = (t: DemoTrait) => results[t].steering?.layer ?? results[t].chosenLayer!;

  shortfall('a suggestion that passes the shuffled-label controls, inside the clamp', () => {
    for (const t of TRAITS) {
      const s = results[t].steering;
      expect.soft(s, `${t}: no suggestion`).not.toBeNull();
      if (!s) continue;
      const rho = (s.alpha * norm(vectorRow(results[t].vector, rowOfLayer(s.layer!)))) / norms[rowOfLayer(s.layer!)];
      expect.soft(rho).toBeLessThanOrEqual(labAlphaLimits('response').maxRelative + 1e-6);
      expect.soft(results[t].controls?.at(-1)?.specific).toBe(true);
    }
  });

  shortfall(
    'up: unsteered ≤ 10, and ≥ 80 with coherence ≥ 80 at some α in the clamp range, on held-out questions',
    async () => {
      for (const t of TRAITS) {
        const layer = layerOf(t);
        const { cells } = await steeringEval(ctx, {
          runId: `goal-up-${t}`,
          vector: results[t].vector,
          questions: traits[t].evaluation_questions.slice(10, 20),
          systemPrompt: null,
          cells: [{ layer: null, alpha: 0 }, ...RHOS.map((r) => ({ layer, alpha: alphaAt(t, layer, r), positions: 'response' as const }))],
          judge: lexiconJudge(traits[t]),
          maxNewTokens: MAX_TOKENS,
          batchSize: BATCH,
        });
        const [base, ...up] = cells;
        const best = up.filter((c) => (c.coherence ?? 0) >= 80).sort((a, b) => b.trait! - a.trait!)[0];
        console.log(`[goal] ${t} up at L${layer}: unsteered ${base.trait?.toFixed(0)}; ${up.map(show).join(', ')}`);
        expect.soft(base.trait!, `${t} unsteered`).toBeLessThanOrEqual(10);
        expect.soft(best?.trait ?? 0, `${t} steered up`).toBeGreaterThanOrEqual(80);
      }
    },
    1_200_000,
  );

  shortfall(
    'mirror: from the held-out eliciting prompt, some α < 0 in the clamp range brings it to ≤ 10 (coherence ≥ 50)',
    async () => {
      for (const t of TRAITS) {
        const layer = layerOf(t);
        const { cells } = await steeringEval(ctx, {
          runId: `goal-down-${t}`,
          vector: results[t].vector,
          questions: traits[t].evaluation_questions.slice(10, 20),
          systemPrompt: heldout.system_prompts[t].pos,
          cells: [{ layer: null, alpha: 0 }, ...RHOS.map((r) => ({ layer, alpha: -alphaAt(t, layer, r), positions: 'response' as const }))],
          judge: lexiconJudge(traits[t]),
          maxNewTokens: MAX_TOKENS,
          batchSize: BATCH,
        });
        const [base, ...down] = cells;
        const best = down.filter((c) => (c.coherence ?? 0) >= 50).sort((a, b) => a.trait! - b.trait!)[0];
        console.log(`[goal] ${t} down at L${layer} under the eliciting prompt: unsteered ${base.trait?.toFixed(0)}; ${down.map(show).join(', ')}`);
        expect.soft(base.trait!, `${t} elicited`).toBeGreaterThanOrEqual(50);
        expect.soft(best?.trait ?? 100, `${t} steered down`).toBeLessThanOrEqual(10);
      }
    },
    1_200_000,
  );
});
