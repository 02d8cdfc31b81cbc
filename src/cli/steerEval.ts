/**
 * `steer-eval <model> --trait <file|name> --vector v.safetensors --layer L --alphas -2,-1,0,1,2`
 * → JSON array [{alpha, score, n, coherence, rate}]: the mean judged trait score 0–100 on the
 * trait's evaluation questions with α·v added at block L.
 */
import { POSITION_MODES } from '../engine/api';
import { steeringEval } from '../persona/pipeline';
import { MemoryStorage } from '../storage/memory';
import { choiceFlag, CliError, numberFlag, numberListFlag, parseArgs, positional, promptFormatFlag, requiredFlag, sensibleAlphas, stringFlag } from './args';
import type { Command } from './commands';
import { judgeChoiceFromArgs, judgeFromArgs, layerFromArgs, loadTrait, loadVector, requireScores, stderrProgress, withEngine } from './extract';

export const steerEval: Command = {
  summary: 'judged trait score under steering: steer-eval <model> --trait <file|name> --vector v.safetensors --layer L --alphas -2,-1,0,1,2',
  async run(argv) {
    const args = parseArgs(argv);
    const model = positional(args, 0, '<model>');
    const trait = loadTrait(requiredFlag(args, 'trait'), model);
    const vectorPath = requiredFlag(args, 'vector');
    const maxQ = numberFlag(args, 'questions');
    if (maxQ !== undefined && (!Number.isInteger(maxQ) || maxQ < 1)) throw new CliError('--questions must be a positive integer');
    const quiet = args.flags.has('quiet');
    const positions = choiceFlag(args, 'positions', POSITION_MODES) ?? 'response';
    const alphas = sensibleAlphas('alphas', numberListFlag(args, 'alphas') ?? [-2, -1, 0, 1, 2], positions);
    const { cells, modelId } = await withEngine(model, quiet, async (engine, info) => {
      const v = loadVector(vectorPath, info);
      const layer = layerFromArgs(args, v, info.numLayers);
      const ctx = { engine, info, promptFormat: promptFormatFlag(args), storage: new MemoryStorage(), onProgress: stderrProgress(quiet) };
      const { cells } = await steeringEval(ctx, {
        runId: 'steer-eval',
        vector: v,
        questions: trait.evaluation_questions.slice(0, maxQ ?? Infinity),
        systemPrompt: stringFlag(args, 'system') ?? null,
        cells: alphas.map((alpha) => ({ layer, alpha, positions })),
        judge: judgeFromArgs(args, ctx, trait),
        maxNewTokens: numberFlag(args, 'max-tokens') ?? 64,
        batchSize: numberFlag(args, 'batch') ?? 16,
      });
      return { cells, modelId: info.id };
    });
    process.stdout.write(JSON.stringify(cells.map((c) => ({ alpha: c.alpha, score: c.trait, n: c.n, coherence: c.coherence, rate: c.traitRate }))) + '\n');
    requireScores(Math.max(0, ...cells.map((c) => c.n)), judgeChoiceFromArgs(args, trait), trait, modelId);
  },
};
