/**
 * `npm run cli -- <command> …`: the engine from Node on the WASM backend, for scripts, CI and
 * benchmarks. Each command lives in src/cli/<name>.ts. Errors exit non-zero with one clear line.
 */
import { commands } from './cli/commands';
import { CliError } from './cli/args';

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    const list = Object.entries(commands)
      .map(([n, c]) => `  ${n.padEnd(11)} ${c.summary}`)
      .join('\n');
    process.stderr.write(`usage: npm run cli -- <command> [options]\n\ncommands:\n${list}\n`);
    process.exitCode = name && name !== 'help' && name !== '--help' ? 2 : 0;
    return;
  }
  await command.run(rest);
}

main(process.argv.slice(2)).then(
  () => process.exit(process.exitCode ?? 0),
  (e: unknown) => {
    const err = e as { message?: string; hint?: string; name?: string };
    const line = err?.message ?? String(e);
    process.stderr.write(`error: ${line}${err?.hint ? ` (${err.hint})` : ''}\n`);
    process.exit(e instanceof CliError ? 2 : 1);
  },
);
