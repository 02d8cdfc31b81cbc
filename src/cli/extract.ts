/**
 * `extract <model> --trait <file|name> --out vec.safetensors [--judge self|lexicon|none|openai] [--samples N]`
 * Runs the whole persona-vectors pipeline and prints the result JSON (per-layer stats, chosen layer,
 * counts) on stdout; progress goes to stderr. Also: shared helpers for the other pipeline commands.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { POSITION_MODES, type ModelInfo } from '../engine/api';
import type { Engine } from '../engine/engine';
import { READOUTS, type PersonaVector, type Readout } from '../persona/personaVector';
import {
  lexiconJudge,
  noJudge,
  openAiJudge,
  PipelineError,
  runPipeline,
  selfJudge,
  type Judge,
  type PipelineContext,
  type PipelineProgress,
} from '../persona/pipeline';
import { importTraitSet, type TraitSet } from '../persona/traitSet';
import { BUILTIN_TRAIT_NAMES, builtinTrait } from '../persona/traits';
import { readVectorFile } from '../persona/convert';
import { exportVectorSafetensors } from '../persona/vectorFile';
import { MemoryStorage } from '../storage/memory';
import {
  choiceListFlag,
  CliError,
  numberFlag,
  parseArgs,
  positional,
  promptFormatFlag,
  requiredFlag,
  stringFlag,
  numberListFlag,
  sensibleAlphas,
  type ParsedArgs,
} from './args';
import type { Command } from './commands';
import { chooseJudge, noScoreReason, type JudgeChoiceMade } from './judgeChoice';
import { DEMO_MODEL_DIR, loadEngine } from './loadEngine';

/**
 * A trait set from a JSON file, the model folder's own trait files (`traits/<name>.json`, as the demo
 * model ships them; model `demo` is its folder), or the built-in library.
 */
export function loadTrait(spec: string, model: string): TraitSet {
  let text: string | null = null;
  let name = spec;
  const folderTrait = join(model === 'demo' ? DEMO_MODEL_DIR : model, 'traits', `${spec}.json`);
  if (existsSync(spec)) {
    text = readFileSync(spec, 'utf8');
    name = basename(spec).replace(/\.json$/i, '');
  } else if (!spec.includes('/') && !spec.includes('\\') && existsSync(folderTrait)) {
    text = readFileSync(folderTrait, 'utf8');
  } else {
    const t = builtinTrait(spec);
    if (t) return t;
    throw new CliError(`no trait file or built-in trait "${spec}" (built-in: ${BUILTIN_TRAIT_NAMES.join(', ')})`);
  }
  const v = importTraitSet(text, name);
  if (!v.ok)
    throw new CliError(
      `trait set ${spec} is invalid: ${v.errors
        .slice(0, 3)
        .map((e) => `${e.path || '(root)'} ${e.message}`)
        .join('; ')}`,
    );
  return v.value;
}

export type JudgeChoice = 'self' | 'lexicon' | 'none' | 'openai';

/** The judge named by --judge (default: lexicon for a demo trait, as in the lab; else the model itself). */
export function judgeFromArgs(args: ParsedArgs, ctx: Pick<PipelineContext, 'engine' | 'info'>, trait: TraitSet): Judge {
  return judgeOf(judgeChoiceFromArgs(args, trait), args, ctx, trait);
}

export function judgeChoiceFromArgs(args: ParsedArgs, trait: TraitSet): JudgeChoiceMade {
  return chooseJudge(stringFlag(args, 'judge'), trait.name);
}

/** Fails with the reason on stderr (exit 1) when a judge produced no usable score at all. */
export function requireScores(n: number, choice: JudgeChoiceMade, trait: TraitSet, modelId: string): void {
  if (n === 0) throw new Error(noScoreReason(choice, trait.name, modelId));
}

function judgeOf(choice: JudgeChoiceMade, args: ParsedArgs, ctx: Pick<PipelineContext, 'engine' | 'info'>, trait: TraitSet): Judge {
  const kind = choice.kind as JudgeChoice;
  switch (kind) {
    case 'self':
      return selfJudge(ctx, trait);
    case 'lexicon':
      return lexiconJudge(trait);
    case 'none':
      return noJudge();
    case 'openai': {
      const baseUrl = stringFlag(args, 'judge-url') ?? process.env.PERSONA_LAB_JUDGE_URL ?? 'https://api.openai.com/v1';
      const judgeModel = stringFlag(args, 'judge-model') ?? process.env.PERSONA_LAB_JUDGE_MODEL;
      if (!judgeModel) throw new CliError('--judge openai needs --judge-model (the key comes from $PERSONA_LAB_JUDGE_KEY or $OPENAI_API_KEY)');
      return openAiJudge(trait, { baseUrl, model: judgeModel, apiKey: process.env.PERSONA_LAB_JUDGE_KEY ?? process.env.OPENAI_API_KEY });
    }
    default:
      throw new CliError(`--judge must be self, lexicon, none or openai, got "${kind}"`);
  }
}

/** Progress lines on stderr (at most one per second per step, plus the last). */
export function stderrProgress(quiet: boolean): (p: PipelineProgress) => void {
  let last = 0;
  return (p) => {
    if (quiet) return;
    const now = Date.now();
    if (p.done < p.total && now - last < 1000) return;
    last = now;
    const eta = p.etaMs === null ? '' : ` eta ${(p.etaMs / 1000).toFixed(0)}s`;
    process.stderr.write(`${p.step}${p.phase ? `/${p.phase}` : ''}: ${p.done}/${p.total}${p.skipped ? ` (${p.skipped} stored)` : ''}${eta}\n`);
  };
}

/** A vector file (safetensors, GGUF or Neuronpedia JSON) checked against the loaded model. */
export function loadVector(path: string, info: Pick<ModelInfo, 'hiddenSize' | 'numLayers'>): PersonaVector {
  if (!existsSync(path)) throw new CliError(`vector file ${path} does not exist`);
  try {
    return readVectorFile(new Uint8Array(readFileSync(path)), undefined, { hidden: info.hiddenSize, numLayers: info.numLayers });
  } catch (e) {
    throw new CliError(`${path}: ${(e as Error).message}`);
  }
}

/** --layer, else the vector's chosen layer. */
export function layerFromArgs(args: ParsedArgs, v: PersonaVector, numLayers: number): number {
  const layer = numberFlag(args, 'layer') ?? v.meta.layer;
  if (layer === undefined) throw new CliError('missing --layer (the vector file names no chosen layer)');
  if (!Number.isInteger(layer) || layer < 0 || layer >= numLayers) throw new CliError(`--layer must be a block 0..${numLayers - 1}, got ${layer}`);
  return layer;
}

export async function withEngine<T>(model: string, quiet: boolean, f: (engine: Engine, info: ModelInfo) => Promise<T>): Promise<T> {
  const { engine, info } = await loadEngine(model, { quiet });
  try {
    return await f(engine, info);
  } finally {
    await engine.unload();
  }
}

export const extract: Command = {
  summary: 'compute a persona vector: extract <model> --trait <file|name> --out vec.safetensors [--judge self|lexicon|none|openai] [--samples N]',
  async run(argv) {
    const args = parseArgs(argv);
    const model = positional(args, 0, '<model> (a folder, Hub id, URL or "demo")');
    const traitSpec = requiredFlag(args, 'trait');
    const out = requiredFlag(args, 'out');
    const readout = (stringFlag(args, 'readout') ?? 'response_avg') as Readout;
    if (!READOUTS.includes(readout)) throw new CliError(`--readout must be one of ${READOUTS.join(', ')}`);
    const quiet = args.flags.has('quiet');
    const trait = loadTrait(traitSpec, model);
    const int = (name: string) => {
      const v = numberFlag(args, name);
      if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new CliError(`--${name} must be a positive integer`);
      return v;
    };
    const sweepPositions = choiceListFlag(args, 'sweep-positions', POSITION_MODES);
    const sweepReadouts = choiceListFlag(args, 'sweep-readouts', READOUTS);
    const sweepControls = int('sweep-controls');
    const result = await withEngine(model, quiet, async (engine, info) => {
      const ctx: PipelineContext = { engine, info, promptFormat: promptFormatFlag(args), storage: new MemoryStorage(), onProgress: stderrProgress(quiet) };
      const choice = judgeChoiceFromArgs(args, trait);
      const judge = judgeOf(choice, args, ctx, trait);
      const alphas = sensibleAlphas('alphas', numberListFlag(args, 'alphas') ?? [1, 2], sweepPositions ?? ['response']);
      const res = await runPipeline(ctx, {
        trait,
        judge,
        settings: {
          samples: int('samples') ?? 1,
          maxNewTokens: int('max-tokens') ?? 64,
          temperature: numberFlag(args, 'temperature') ?? 1,
          batchSize: int('batch') ?? 16,
          seed: numberFlag(args, 'seed') ?? 0,
          maxExtractionQuestions: int('questions'),
          maxInstructions: int('instructions'),
          maxEvaluationQuestions: int('eval-questions'),
          readout,
          negativeName: stringFlag(args, 'negative') === 'antonym' ? 'antonym' : 'helpful',
          sweep: args.flags.has('no-sweep')
            ? null
            : {
                alphas,
                systemPrompt: stringFlag(args, 'system') ?? null,
                maxQuestions: int('sweep-questions'),
                positions: sweepPositions,
                readouts: sweepReadouts,
                controls: sweepControls,
              },
        },
      }).catch((e: unknown) => {
        // Every pair dropped for want of a score: the judge is the reason, not the trait prompts.
        if (e instanceof PipelineError && e.code === 'no_pairs' && judge.kind !== 'none' && /missing score/.test(e.message)) {
          throw new Error(`${noScoreReason(choice, trait.name, info.id)} (${e.message})`);
        }
        throw e;
      });
      writeFileSync(out, exportVectorSafetensors(res.vector));
      return { res, choice };
    }).then(({ res, choice }) => ({ ...res, choice }));
    const json = {
      out,
      model: result.modelId,
      trait: result.trait,
      judge: result.judge,
      readout: result.readout,
      chosenLayer: result.chosenLayer,
      statsLayer: result.statsLayer,
      steering: result.steering,
      controls: result.controls,
      counts: result.counts,
      layers: result.layerStats.map((s) => ({ ...s, hook: s.row === 0 ? 'embed' : `blocks.${s.layer}.resid_post` })),
      sweep: result.sweep,
      timingsMs: result.timingsMs,
    };
    process.stdout.write(JSON.stringify(json, null, 2) + '\n');
    if (result.sweep && result.choice.kind !== 'none') requireScores(Math.max(0, ...result.sweep.cells.map((c) => c.n)), result.choice, trait, result.modelId);
  },
};
