/** Minimal argument parsing for the CLI: positionals and --flag value pairs. */
import type { PositionMode } from '../engine/steering';
import { PROMPT_FORMATS, type PromptFormat } from '../persona/promptFormat';
import { clampAlpha, strictestAlphaLimits } from '../persona/steering';

export class CliError extends Error {
  override readonly name = 'CliError';
}

export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
}

export function parseArgs(argv: string[]): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const [key, inline] = a.slice(2).split(/=(.*)/s, 2);
      const next = argv[i + 1];
      if (inline !== undefined) flags.set(key, inline);
      else if (next !== undefined && !next.startsWith('--')) flags.set(key, argv[++i]);
      else flags.set(key, true);
    } else positionals.push(a);
  }
  return { positionals, flags };
}

export function stringFlag(args: ParsedArgs, name: string, fallback?: string): string | undefined {
  const v = args.flags.get(name);
  if (v === true) throw new CliError(`--${name} needs a value`);
  return v ?? fallback;
}

export function requiredFlag(args: ParsedArgs, name: string): string {
  const v = stringFlag(args, name);
  if (v === undefined) throw new CliError(`missing --${name}`);
  return v;
}

export function numberFlag(args: ParsedArgs, name: string, fallback?: number): number | undefined {
  const v = stringFlag(args, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new CliError(`--${name} must be a number, got "${v}"`);
  return n;
}

export function numberListFlag(args: ParsedArgs, name: string): number[] | undefined {
  const v = stringFlag(args, name);
  if (v === undefined) return undefined;
  const list = v.split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isFinite(n))) throw new CliError(`--${name} must be a comma-separated list of numbers, got "${v}"`);
  return list;
}

/** One name out of `allowed`, or undefined when the flag is absent. */
export function choiceFlag<T extends string>(args: ParsedArgs, name: string, allowed: readonly T[]): T | undefined {
  const v = stringFlag(args, name);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw new CliError(`--${name} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v as T;
}

/**
 * `--prompt-format chat|completion`: how prompts are written (persona/promptFormat.ts); absent, a
 * model without a chat template gets completion prompts.
 */
export function promptFormatFlag(args: ParsedArgs): PromptFormat | undefined {
  return choiceFlag(args, 'prompt-format', PROMPT_FORMATS);
}

/** A comma-separated list of names, each one of `allowed`. */
export function choiceListFlag<T extends string>(args: ParsedArgs, name: string, allowed: readonly T[]): T[] | undefined {
  const v = stringFlag(args, name);
  if (v === undefined) return undefined;
  const list = v.split(',').map((s) => s.trim());
  const bad = list.filter((x) => !(allowed as readonly string[]).includes(x));
  if (bad.length || !list.length) throw new CliError(`--${name} takes a comma-separated list of ${allowed.join(', ')}; "${bad[0] ?? v}" is not one of them`);
  return list as T[];
}

export function positional(args: ParsedArgs, index: number, what: string): string {
  const v = args.positionals[index];
  if (v === undefined) throw new CliError(`missing ${what}`);
  return v;
}

/**
 * α values from a flag kept within the lab's sensible range for the position mode(s) they steer
 * (|α| ≤ labAlphaLimits(mode).maxAbsolute, the strictest when one list serves several modes; the
 * CLI does not know the typical residual norm): each out-of-range value is clamped and one line on
 * stderr says what changed.
 */
export function sensibleAlphas(
  flag: string,
  alphas: number[],
  positions: PositionMode | readonly PositionMode[],
  warn: (line: string) => void = (l) => process.stderr.write(l + '\n'),
): number[] {
  const modes = typeof positions === 'string' ? [positions] : positions;
  const limits = strictestAlphaLimits(modes);
  const notes: string[] = [];
  const out = alphas.map((a) => {
    const c = clampAlpha(a, undefined, undefined, limits);
    if (c.note) notes.push(c.note);
    return c.alpha;
  });
  if (notes.length) warn(`warning: --${flag} (${modes.join(', ')} mode): ${notes.join('; ')}`);
  return out;
}
