/** The CLI's command table: one entry per file in src/cli/. */

export interface Command {
  summary: string;
  run(argv: string[]): Promise<void>;
}

export const commands: Record<string, Command> = {};
