/** The CLI's command table: one entry per file in src/cli/. */
import { nameRecord } from '../persona/nameRecord';
import { capture } from './capture';
import { convert } from './convert';
import { extract } from './extract';
import { generate } from './generate';
import { inspect } from './inspect';
import { project } from './project';
import { screen } from './screen';
import { steerEval } from './steerEval';

export interface Command {
  summary: string;
  run(argv: string[]): Promise<void>;
}

/** Prototype-free, so a command typed as "constructor" or "__proto__" is unknown, not a built-in. */
export const commands: Record<string, Command> = nameRecord({
  extract,
  project,
  'steer-eval': steerEval,
  screen,
  convert,
  inspect,
  capture,
  generate,
});
