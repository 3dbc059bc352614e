/**
 * `slm-copilot` entry point: a table of commands, each defined in its own file under ./commands, loaded on
 * demand so that `slm-copilot help` never pays for loading llama.cpp. Every error ends here: its message
 * is printed as is, with exit code 2 for bad usage and 1 for anything else.
 */
import { UsageError } from '../lib/errors.ts';
import type { CliCommand, CliContext } from './command.ts';

type Loader = () => Promise<CliCommand>;

const commands: Record<string, Loader> = {
  serve: async () => (await import('./commands/serve.ts')).serveCommand,
  bench: async () => (await import('./commands/bench.ts')).benchCommand,
  dev: async () => (await import('./commands/dev.ts')).devCommand,
  up: async () => (await import('./commands/up.ts')).upCommand,
  install: async () => (await import('./commands/install.ts')).installCommand,
  configure: async () => (await import('./commands/configure.ts')).configureCommand,
  bootstrap: async () => (await import('./commands/bootstrap.ts')).bootstrapCommand,
  status: async () => (await import('./commands/status.ts')).statusCommand,
  report: async () => (await import('./commands/report.ts')).reportCommand,
  'scale-out': async () => (await import('./commands/scale-out.ts')).scaleOutCommand,
  image: async () => (await import('./commands/image.ts')).imageCommand,
};

/** The command a line names (`image` for `image build …`), for checks that parse without running. */
export async function loadCommand(name: string): Promise<CliCommand | undefined> {
  const load = commands[name];
  return load === undefined ? undefined : load();
}

async function commandList(): Promise<string> {
  const lines = ['Usage: slm-copilot <command> [options]', '', 'Commands:'];
  for (const [name, load] of Object.entries(commands)) {
    const summary = await load().then(
      (c) => c.summary,
      () => '(unavailable)',
    );
    lines.push(`  ${name.padEnd(10)} ${summary}`);
  }
  lines.push("  help       This text; `slm-copilot <command> --help` for a command's options.");
  lines.push('', 'SLM_COPILOT_DEBUG=1 adds the stack (and cause) to an error message.');
  return `${lines.join('\n')}\n`;
}

async function dispatch(argv: readonly string[], context: CliContext): Promise<number> {
  const [name, ...rest] = argv;
  if (name === 'help' || name === '--help' || name === '-h') {
    const load = rest[0] === undefined ? undefined : commands[rest[0]];
    process.stdout.write(load === undefined ? await commandList() : (await load()).help());
    return 0;
  }
  if (name === undefined) {
    process.stderr.write(await commandList());
    return 2;
  }
  const load = commands[name];
  if (load === undefined)
    throw new UsageError([{ field: name, message: `unknown command (known: ${Object.keys(commands).join(', ')}, help)` }]);
  return (await load()).run(rest, context);
}

/** Runs the CLI and reports any error on stderr; resolves to the process exit code. */
export async function main(argv: readonly string[], context: CliContext): Promise<number> {
  try {
    return await dispatch(argv, context);
  } catch (error) {
    const known = argv[0] !== undefined && argv[0] in commands;
    const where = known ? `slm-copilot ${argv[0]}` : 'slm-copilot';
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${where}: ${message.replaceAll('\n', '\n  ')}\n`);
    if (error instanceof UsageError) {
      process.stderr.write(`(\`${known ? where : 'slm-copilot'} --help\` lists what it accepts)\n`);
      return 2;
    }
    if (context.env['SLM_COPILOT_DEBUG'] === '1' && error instanceof Error) {
      process.stderr.write(`${error.stack}\n`);
      if (error.cause !== undefined) console.error('cause:', error.cause);
    }
    return 1;
  }
}

if (import.meta.main) {
  main(process.argv.slice(2), { env: process.env }).then((code) => {
    process.exitCode = code;
  });
}
