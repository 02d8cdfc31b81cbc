/**
 * `capture <model> --ids 1,2,3 --out caps.safetensors [--steer vec.safetensors --layer L --alpha A]`
 * → a safetensors file with `resid` float32 [L+1, T, hidden] (row 0 = embed, row l+1 =
 * blocks.{l}.resid_post) and `logits` float32 [T, vocab]. `--prompt` (chat-templated text) may
 * replace `--ids`. `--ids-file F` (one comma-separated id list per line) runs every line as one
 * batch and writes `resid.{i}` [L+1, T_i, hidden] and `logits.{i}` [T_i, vocab] for line i
 * (blank lines skipped, i counts the others from 0). A steering file holds a tensor `vector`:
 * [hidden] (added to block L, times A, at every position) or [L+1, hidden] (its row L+1 is used,
 * the persona-vectors layout); it steers every row.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { readSafetensors, writeSafetensors } from '../persona/safetensors';
import type { ModelInfo, PositionMode, PromptInput, SteeringTerm } from '../engine/api';
import { rowOfLayer } from '../engine/hooks';
import { CliError, numberFlag, numberListFlag, parseArgs, positional, requiredFlag, sensibleAlphas, stringFlag, type ParsedArgs } from './args';
import type { Command } from './commands';
import { loadEngine } from './loadEngine';

/** Reads `--steer F --layer L --alpha A` into one steering term (null without --steer); α is clamped for the position mode it steers. */
export function steeringFromArgs(args: ParsedArgs, info: Pick<ModelInfo, 'numLayers' | 'hiddenSize'>, positions: PositionMode): SteeringTerm | null {
  const file = stringFlag(args, 'steer');
  if (file === undefined) {
    if (args.flags.has('layer') || args.flags.has('alpha')) throw new CliError('--layer and --alpha need --steer <vector.safetensors>');
    return null;
  }
  const { numLayers: L, hiddenSize: H } = info;
  const layer = numberFlag(args, 'layer');
  if (layer === undefined) throw new CliError('--steer needs --layer L (the block whose output gets α·v)');
  if (!Number.isInteger(layer) || layer < 0 || layer >= L) throw new CliError(`--layer must be an integer in 0..${L - 1}, got ${layer}`);
  const [alpha] = sensibleAlphas('alpha', [numberFlag(args, 'alpha', 1)!], positions);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let tensors;
  try {
    ({ tensors } = readSafetensors(bytes));
  } catch (e) {
    throw new CliError(`${file}: ${(e as Error).message}`);
  }
  const v = tensors.vector;
  if (!v) throw new CliError(`${file} has no tensor "vector"; it holds ${Object.keys(tensors).join(', ') || 'no tensors'}`);
  let vector: Float32Array;
  if (v.shape.length === 1 && v.shape[0] === H) vector = v.data;
  else if (v.shape.length === 2 && v.shape[0] === L + 1 && v.shape[1] === H) vector = v.data.slice(rowOfLayer(layer) * H, (rowOfLayer(layer) + 1) * H);
  else throw new CliError(`"vector" in ${file} has shape [${v.shape.join(', ')}]; expected [${H}] or [${L + 1}, ${H}] for this model`);
  return { layer, vector, alpha };
}

/** One id list per non-blank line of `file`, comma-separated; a bad line is named by its number. */
export function readIdsFile(file: string): number[][] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const rows: number[][] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const ids = line.split(',').map((s) => Number(s.trim()));
    if (ids.some((id) => !Number.isInteger(id) || id < 0))
      throw new CliError(`${file} line ${i + 1}: expected comma-separated non-negative integer token ids, got "${line.trim().slice(0, 60)}"`);
    rows.push(ids);
  });
  if (rows.length === 0) throw new CliError(`${file} has no id lists (one comma-separated list per line)`);
  return rows;
}

/** `--ids 1,2,3` or `--prompt text [--system S]` (chat-templated). */
export function promptFromArgs(args: ParsedArgs): PromptInput {
  const ids = numberListFlag(args, 'ids');
  const prompt = stringFlag(args, 'prompt');
  if (ids && prompt !== undefined) throw new CliError('give --ids or --prompt, not both');
  if (ids) {
    if (ids.some((i) => !Number.isInteger(i) || i < 0)) throw new CliError('--ids must be non-negative integers');
    return { ids };
  }
  if (prompt === undefined) throw new CliError('missing --ids 1,2,3 (or --prompt "text")');
  const system = stringFlag(args, 'system');
  return { messages: [...(system ? [{ role: 'system' as const, content: system }] : []), { role: 'user' as const, content: prompt }] };
}

export const capture: Command = {
  summary:
    'residual stream + logits to safetensors: capture <model> (--ids 1,2,3 | --prompt P | --ids-file F) --out caps.safetensors [--steer v.safetensors --layer L --alpha A]',
  async run(argv) {
    const args = parseArgs(argv);
    const model = positional(args, 0, '<model> (a folder, demo, a Hub id or a URL)');
    const out = requiredFlag(args, 'out');
    const idsFile = stringFlag(args, 'ids-file');
    if (idsFile !== undefined && (args.flags.has('ids') || args.flags.has('prompt'))) throw new CliError('give --ids-file or --ids/--prompt, not both');
    const prompts: PromptInput[] = idsFile !== undefined ? readIdsFile(idsFile).map((ids) => ({ ids })) : [promptFromArgs(args)];
    const { engine, info } = await loadEngine(model, { quiet: true });
    try {
      const term = steeringFromArgs(args, info, 'all');
      const res = await engine.capture({ rows: prompts.map((prompt) => ({ prompt, steering: term ? [term] : null })), positions: 'all', includeLogits: true });
      const L = info.numLayers;
      const metadata: Record<string, string> = {
        model: info.id,
        convention: 'resid row 0 = embed, row l+1 = blocks.{l}.resid_post (before the final norm)',
        hook_points: JSON.stringify(info.hookPoints),
        ids: JSON.stringify(idsFile !== undefined ? res.rows.map((r) => r.ids) : res.rows[0].ids),
        residual_dtype: info.residualDtype,
      };
      if (term) metadata.steering = JSON.stringify({ layer: term.layer, alpha: term.alpha, positions: 'all' });
      const tensors: Parameters<typeof writeSafetensors>[0] = {};
      res.rows.forEach((row, i) => {
        const T = row.ids.length;
        const suffix = idsFile !== undefined ? `.${i}` : '';
        tensors[`resid${suffix}`] = { shape: [L + 1, T, info.hiddenSize], data: row.resid };
        tensors[`logits${suffix}`] = { shape: [T, info.vocabSize], data: row.logits! };
      });
      writeFileSync(out, writeSafetensors(tensors, metadata));
      const shapes =
        res.rows.length === 1 && idsFile === undefined
          ? `resid [${L + 1}, ${res.rows[0].ids.length}, ${info.hiddenSize}], logits [${res.rows[0].ids.length}, ${info.vocabSize}]`
          : `${res.rows.length} rows in one batch: resid.{i} [${L + 1}, T_i, ${info.hiddenSize}], logits.{i} [T_i, ${info.vocabSize}], T = ${res.rows.map((r) => r.ids.length).join(', ')}`;
      process.stdout.write(`wrote ${out}: ${shapes}${term ? `, steered block ${term.layer} × ${term.alpha}` : ''}\n`);
    } finally {
      await engine.unload();
    }
  },
};
