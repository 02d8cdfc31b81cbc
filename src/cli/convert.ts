/** `convert <vector file> --to safetensors|gguf|neuronpedia --out F [--layer L] [--alpha A] [--model-hint H]` */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { convertVectorFile, VECTOR_FORMATS, type VectorFormat } from '../persona/convert';
import { CliError, numberFlag, parseArgs, positional, requiredFlag, stringFlag } from './args';
import type { Command } from './commands';

export const convert: Command = {
  summary: 'convert a vector file: convert <file> --to safetensors|gguf|neuronpedia --out F [--layer L]',
  async run(argv) {
    const args = parseArgs(argv);
    const input = positional(args, 0, '<vector file>');
    const to = requiredFlag(args, 'to') as VectorFormat;
    if (!VECTOR_FORMATS.includes(to)) throw new CliError(`--to must be one of ${VECTOR_FORMATS.join(', ')}, got "${to}"`);
    const out = requiredFlag(args, 'out');
    if (!existsSync(input)) throw new CliError(`vector file ${input} does not exist`);
    const layer = numberFlag(args, 'layer');
    if (layer !== undefined && (!Number.isInteger(layer) || layer < 0)) throw new CliError(`--layer must be a block index ≥ 0, got ${layer}`);
    let res;
    try {
      res = convertVectorFile(new Uint8Array(readFileSync(input)), to, {
        layers: layer === undefined ? undefined : [layer],
        alpha: numberFlag(args, 'alpha'),
        modelHint: stringFlag(args, 'model-hint'),
      });
    } catch (e) {
      throw new CliError(`${input}: ${(e as Error).message}`);
    }
    writeFileSync(out, res.bytes);
    process.stdout.write(
      JSON.stringify({
        from: res.from,
        to,
        out,
        bytes: res.bytes.length,
        rows: res.vector.rows,
        hidden: res.vector.hidden,
        layer: res.vector.meta.layer ?? null,
      }) + '\n',
    );
  },
};
