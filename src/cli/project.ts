/** `project <model> --vector vec.safetensors --layer L --text T [--response R] [--system S]` → per-token projections (JSON). */
import { promptFormatOf, questionPrompt, responseText } from '../persona/promptFormat';
import { projectText } from '../persona/pipeline';
import { parseArgs, positional, promptFormatFlag, requiredFlag, stringFlag } from './args';
import type { Command } from './commands';
import { layerFromArgs, loadVector, withEngine } from './extract';

export const project: Command = {
  summary: 'per-token projections onto a vector: project <model> --vector v.safetensors --layer L --text T [--response R]',
  async run(argv) {
    const args = parseArgs(argv);
    const model = positional(args, 0, '<model>');
    const vectorPath = requiredFlag(args, 'vector');
    const text = requiredFlag(args, 'text');
    const system = stringFlag(args, 'system');
    const response = stringFlag(args, 'response');
    const out = await withEngine(model, args.flags.has('quiet'), async (engine, info) => {
      const v = loadVector(vectorPath, info);
      const layer = layerFromArgs(args, v, info.numLayers);
      const format = promptFormatOf(info, promptFormatFlag(args));
      return projectText(
        { engine, info },
        {
          prompt: questionPrompt(format, { system: system ?? null, user: text }),
          response: response === undefined ? undefined : responseText(format, response),
        },
        v,
        layer,
      );
    });
    process.stdout.write(
      JSON.stringify({
        hook: out.hook,
        layer: out.layer,
        promptLength: out.promptLength,
        tokens: out.tokens.map((token, i) => ({
          i,
          token,
          id: out.ids[i],
          part: i < out.promptLength ? 'prompt' : 'response',
          projection: out.projections[i],
        })),
      }) + '\n',
    );
  },
};
