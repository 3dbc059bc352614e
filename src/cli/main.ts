/**
 * `slm-copilot` entry point: a table of commands, each in its own file under ./commands, loaded on demand
 * so that `slm-copilot help` never pays for loading llama.cpp.
 */

export interface CliCommand {
  /** One line for `slm-copilot help`. */
  summary: string;
  /** Runs the command with the argv after its name; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

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
  image: async () => (await import('./commands/image.ts')).imageCommand,
};

async function printHelp(): Promise<void> {
  const lines = ['Usage: slm-copilot <command> [options]', '', 'Commands:'];
  for (const [name, load] of Object.entries(commands)) {
    const summary = await load().then(
      (c) => c.summary,
      () => '(unavailable)',
    );
    lines.push(`  ${name.padEnd(10)} ${summary}`);
  }
  lines.push("  help       This text; `slm-copilot <command> --help` for a command's options.");
  process.stdout.write(`${lines.join('\n')}\n`);
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    if (name === 'help' && rest[0] !== undefined && rest[0] in commands) return (await commands[rest[0]]!()).run(['--help']);
    await printHelp();
    return name === undefined ? 2 : 0;
  }
  const load = commands[name];
  if (load === undefined) {
    process.stderr.write(`slm-copilot: unknown command "${name}". Commands: ${Object.keys(commands).join(', ')}, help.\n`);
    return 2;
  }
  return (await load()).run(rest);
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      // Every error's own message: a plain Error's is as useful as ours (it names the file, the port…).
      process.stderr.write(`slm-copilot: ${error instanceof Error ? error.message : String(error)}\n`);
      if (process.env['SLM_COPILOT_DEBUG'] === '1' && error instanceof Error) console.error(error.stack, error.cause ?? '');
      process.exitCode = 1;
    },
  );
}
