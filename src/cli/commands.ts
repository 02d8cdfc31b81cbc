/** The CLI's command table: one entry per file in src/cli/. */
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

export const commands: Record<string, Command> = {
  extract,
  project,
  'steer-eval': steerEval,
  screen,
  convert,
  inspect,
  capture,
  generate,
};
