/**
 * `generate <model> --prompt P [--system S] [--max-new-tokens N --temperature T --top-k K --top-p P
 * --seed S] [--steer F --layer L --alpha A --positions all|prompt|response]` → prints the reply,
 * streamed as it is generated. Greedy unless --temperature is above 0.
 *
 * `generate <model> --prompts-file F.jsonl [--batch-size B]` answers every line
 * (`{"prompt": "…", "system"?: "…"}`) in batches of B rows and prints one JSON line per prompt, in
 * file order: `{"line", "prompt", "system"?, "reply", "finish", "tokens"}`. Prompt i samples with
 * seed S + i, so the replies do not depend on the batch size.
 */
import { POSITION_MODES, type GenerateRequest, type PromptInput, type SteeringTerm } from '../engine/api';
import { freeTextPrompt, promptFormatOf, type PromptFormat } from '../persona/promptFormat';
import { readFileSync } from 'node:fs';
import type { Engine } from '../engine/engine';
import { choiceFlag, CliError, numberFlag, parseArgs, positional, promptFormatFlag, stringFlag } from './args';
import type { Command } from './commands';
import { steeringFromArgs } from './capture';
import { loadEngine } from './loadEngine';

/** Rows per batch when --batch-size is not given: a few rows cost little more than one on a GPU, and stay small on WASM. */
export const DEFAULT_BATCH_SIZE = 8;

export interface PromptLine {
  /** 1-based line number in the file. */
  line: number;
  prompt: string;
  system?: string;
}

/** Reads a JSONL file of `{"prompt", "system"?}` objects (blank lines skipped); a bad line is named by its number. */
export function readPromptsFile(file: string): PromptLine[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const prompts: PromptLine[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (!raw.trim()) return;
    const where = `${file} line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      throw new CliError(`${where} is not JSON (${(e as Error).message}); each line must be {"prompt": "…", "system"?: "…"}`);
    }
    const o = value as { prompt?: unknown; system?: unknown };
    if (typeof value !== 'object' || value === null || typeof o.prompt !== 'string' || !o.prompt.trim()) {
      throw new CliError(`${where} needs a non-empty string "prompt"; each line must be {"prompt": "…", "system"?: "…"}`);
    }
    if (o.system !== undefined && typeof o.system !== 'string') throw new CliError(`${where}: "system" must be a string`);
    prompts.push({ line: i + 1, prompt: o.prompt, ...(o.system ? { system: o.system } : {}) });
  });
  if (prompts.length === 0) throw new CliError(`${file} has no prompts (one JSON object {"prompt": "…"} per line)`);
  return prompts;
}

/** A prompt line as the model takes it: a chat turn, or for a base model the plain text it continues. */
function inputOf(format: PromptFormat, prompt: string, system?: string): PromptInput {
  return freeTextPrompt(format, system ?? null, [], prompt);
}

type Settings = Omit<GenerateRequest, 'rows'>;

/** Answers every prompt in batches of `batchSize`, calling `onReply` in prompt order as each batch ends. */
export async function generateBatches(
  engine: Pick<Engine, 'generate'>,
  prompts: PromptLine[],
  batchSize: number,
  settings: Settings,
  steering: SteeringTerm[] | null,
  format: PromptFormat,
  onReply: (p: PromptLine, reply: { text: string; finish: string; tokens: number }) => void,
): Promise<void> {
  const seed = settings.seed ?? 0;
  for (let first = 0; first < prompts.length; first += batchSize) {
    const batch = prompts.slice(first, first + batchSize);
    const res = await engine.generate({
      ...settings,
      rows: batch.map((p, j) => ({ prompt: inputOf(format, p.prompt, p.system), steering, seed: seed + first + j })),
    });
    res.rows.forEach((row, j) => onReply(batch[j], { text: row.text, finish: row.finish, tokens: row.tokenIds.length }));
  }
}

export const generate: Command = {
  summary:
    'chat reply, optionally steered: generate <model> (--prompt P [--system S] | --prompts-file F.jsonl [--batch-size B]) [--max-new-tokens N --temperature T --seed S --steer v.safetensors --layer L --alpha A]',
  async run(argv) {
    const args = parseArgs(argv);
    const model = positional(args, 0, '<model> (a folder, demo, a Hub id or a URL)');
    const file = stringFlag(args, 'prompts-file');
    const prompt = stringFlag(args, 'prompt');
    if (file !== undefined && (prompt !== undefined || args.flags.has('system')))
      throw new CliError('give --prompts-file or --prompt/--system, not both (a line may carry its own "system")');
    if (file === undefined && prompt === undefined) throw new CliError('missing --prompt (or --prompts-file F.jsonl)');
    if (file === undefined && args.flags.has('batch-size')) throw new CliError('--batch-size goes with --prompts-file');
    const batchSize = numberFlag(args, 'batch-size', DEFAULT_BATCH_SIZE)!;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new CliError(`--batch-size must be a positive integer, got ${batchSize}`);
    const prompts = file !== undefined ? readPromptsFile(file) : null;
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
      const settings: Settings = { positions, maxNewTokens, sampling: { temperature, topK, topP }, seed };
      const format = promptFormatOf(info, promptFormatFlag(args));
      if (prompts) {
        await generateBatches(engine, prompts, batchSize, settings, term ? [term] : null, format, (p, reply) => {
          process.stdout.write(
            JSON.stringify({
              line: p.line,
              prompt: p.prompt,
              ...(p.system ? { system: p.system } : {}),
              reply: reply.text,
              finish: reply.finish,
              tokens: reply.tokens,
            }) + '\n',
          );
        });
        return;
      }
      await engine.generate({ rows: [{ prompt: inputOf(format, prompt!, system), steering: term ? [term] : null }], ...settings }, (e) =>
        process.stdout.write(e.deltas[0]),
      );
      process.stdout.write('\n');
    } finally {
      await engine.unload();
    }
  },
};
