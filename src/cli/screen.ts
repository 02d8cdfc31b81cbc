/**
 * `screen <model> --vector v.safetensors --layer L --data file.jsonl [--mode full|cheap|both]`
 * → one JSON line per sample with ΔP (paper: against the model's own greedy response), the cheap
 * last-prompt-token variant, percentile and flag.
 */
import { existsSync, readFileSync } from 'node:fs';
import { screenDataset } from '../persona/pipeline';
import { parseScreenJsonl } from '../persona/screen';
import { CliError, numberFlag, parseArgs, positional, promptFormatFlag, requiredFlag, stringFlag } from './args';
import type { Command } from './commands';
import { layerFromArgs, loadVector, stderrProgress, withEngine } from './extract';

export const screen: Command = {
  summary: 'rank a JSONL dataset by projection difference: screen <model> --vector v.safetensors --layer L --data file.jsonl',
  async run(argv) {
    const args = parseArgs(argv);
    const model = positional(args, 0, '<model>');
    const vectorPath = requiredFlag(args, 'vector');
    const dataPath = requiredFlag(args, 'data');
    const mode = (stringFlag(args, 'mode') ?? 'both') as 'full' | 'cheap' | 'both';
    if (!['full', 'cheap', 'both'].includes(mode)) throw new CliError(`--mode must be full, cheap or both, got "${mode}"`);
    if (!existsSync(dataPath)) throw new CliError(`data file ${dataPath} does not exist`);
    const parsed = parseScreenJsonl(readFileSync(dataPath, 'utf8'));
    for (const e of parsed.errors.slice(0, 5)) process.stderr.write(`${dataPath}:${e.line}: ${e.message} (skipped)\n`);
    if (parsed.samples.length === 0) throw new CliError(`${dataPath} has no {"prompt", "response"} lines`);
    const quiet = args.flags.has('quiet');
    const report = await withEngine(model, quiet, async (engine, info) => {
      const v = loadVector(vectorPath, info);
      const layer = layerFromArgs(args, v, info.numLayers);
      return screenDataset({ engine, info, promptFormat: promptFormatFlag(args), onProgress: stderrProgress(quiet) }, parsed.samples, {
        vector: v,
        layer,
        mode,
        systemPrompt: stringFlag(args, 'system') ?? null,
        maxNewTokens: numberFlag(args, 'max-tokens') ?? 64,
        batchSize: numberFlag(args, 'batch') ?? 16,
        flagPercentile: numberFlag(args, 'flag-percentile') ?? 95,
      });
    });
    const lines = report.rows.map((r) =>
      JSON.stringify({
        line: r.line,
        deltaP: r.deltaP ?? null,
        deltaPCheap: r.deltaPCheap,
        percentile: r.percentile,
        flagged: r.flagged,
        projection: r.projection,
        modelProjection: r.modelProjection ?? null,
        lastPromptProjection: r.lastPromptProjection,
      }),
    );
    process.stdout.write(lines.join('\n') + '\n');
  },
};
