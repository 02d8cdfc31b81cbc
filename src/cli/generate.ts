/**
 * `generate <model> --prompt P [--system S] [--max-new-tokens N --temperature T --top-k K --top-p P
 * --seed S] [--steer F --layer L --alpha A --positions all|prompt|response]` → prints the reply,
 * streamed as it is generated. Greedy unless --temperature is above 0.
 */
import { POSITION_MODES } from '../engine/api';
import { choiceFlag, CliError, numberFlag, parseArgs, positional, requiredFlag, stringFlag } from './args';
import type { Command } from './commands';
import { steeringFromArgs } from './capture';
import { loadEngine } from './loadEngine';

export const generate: Command = {
  summary: 'chat reply, optionally steered: generate <model> --prompt P [--system S --max-new-tokens N --temperature T --seed S --steer v.safetensors --layer L --alpha A]',
  async run(argv) {
    const args = parseArgs(argv);
    const model = positional(args, 0, '<model> (a folder, demo, a Hub id or a URL)');
    const prompt = requiredFlag(args, 'prompt');
    const system = stringFlag(args, 'system');
    const maxNewTokens = numberFlag(args, 'max-new-tokens', 64)!;
    if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) throw new CliError(`--max-new-tokens must be a positive integer, got ${maxNewTokens}`);
    const temperature = numberFlag(args, 'temperature', 0)!;
    const topK = numberFlag(args, 'top-k', 0)!;
    const topP = numberFlag(args, 'top-p', 1)!;
    if (temperature < 0 || topK < 0 || !(topP > 0 && topP <= 1)) throw new CliError('need --temperature ≥ 0, --top-k ≥ 0 and 0 < --top-p ≤ 1');
    const seed = numberFlag(args, 'seed', 0)!;
    const positions = choiceFlag(args, 'positions', POSITION_MODES) ?? 'response';
    const { engine, info } = await loadEngine(model, { quiet: true });
    try {
      const term = steeringFromArgs(args, info, positions);
      const messages = [...(system ? [{ role: 'system' as const, content: system }] : []), { role: 'user' as const, content: prompt }];
      await engine.generate(
        { rows: [{ prompt: { messages }, steering: term ? [term] : null }], positions, maxNewTokens, sampling: { temperature, topK, topP }, seed },
        (e) => process.stdout.write(e.deltas[0]),
      );
      process.stdout.write('\n');
    } finally {
      await engine.unload();
    }
  },
};
