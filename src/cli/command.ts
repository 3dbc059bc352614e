/**
 * One definition per CLI command: its summary, option table (src/lib/options.ts), positional arguments,
 * help text and the function that runs with the parsed, typed values. `--help` is generated from it; bad
 * usage throws `UsageError`, which `main` turns into exit code 2. A definition module stays cheap to import
 * (heavy code is imported inside `run`): `slm-copilot help` loads every one of them.
 */
import { UsageError } from '../lib/errors.ts';
import { flagOption, type OptionTable, type OptionValues, optionsHelp, parseOptions } from '../lib/options.ts';

/** What a command takes from its process, read once at the CLI's edge (no `process.env` deeper down). */
export interface CliContext {
  env: Readonly<Record<string, string | undefined>>;
}

export interface CliCommand {
  /** As typed after `slm-copilot`: `serve`, `image build`. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The name with its positional arguments: `dev make-model <tiny|scripted|bench|agent>`. */
  readonly synopsis: string;
  readonly options: OptionTable;
  /** The whole `--help` text. */
  help(): string;
  /** Runs with the argv after the name; resolves to the exit code, throws `UsageError` for bad usage. */
  run(argv: readonly string[], context: CliContext): Promise<number>;
  /** What `run` checks before doing anything, without doing it: throws `UsageError` for bad usage. */
  check(argv: readonly string[]): void;
}

export interface CommandSpec<O extends OptionTable, P extends OptionTable> {
  summary: string;
  /** Text between the usage line and the options. */
  description?: string;
  options: O;
  /** Required positional arguments, in order. */
  positionals?: P;
  /** Text after the options, built only when help is printed. */
  epilogue?: () => string;
  /** Rules across options that need no I/O (one option requires another); throws `UsageError`. */
  validate?(values: OptionValues<O> & OptionValues<P>): void;
  run(values: OptionValues<O> & OptionValues<P>, context: CliContext): Promise<number>;
}

const HELP_OPTION = { help: flagOption({ short: 'h', description: 'this text' }) };

/** `--help` anywhere before a `--` asks for help, whatever else is wrong with the line. */
function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

const paragraph = (text: string | undefined) => (text === undefined ? [] : [text.trimEnd(), '']);

export function defineCommand<O extends OptionTable, P extends OptionTable = Record<never, never>>(
  name: string,
  spec: CommandSpec<O, P>,
): CliCommand {
  const positionals = (spec.positionals ?? {}) as P;
  const options = { ...spec.options, ...HELP_OPTION };
  const synopsis = [name, ...Object.values(positionals).map((p) => `<${p.placeholder}>`)].join(' ');
  const help = () =>
    [
      `Usage: slm-copilot ${synopsis} [options]`,
      '',
      ...paragraph(spec.description ?? spec.summary),
      'Options:',
      ...optionsHelp(options),
      '',
    ]
      .join('\n')
      .concat(spec.epilogue === undefined ? '' : `\n${spec.epilogue()}`);
  return {
    name,
    summary: spec.summary,
    synopsis,
    options: spec.options,
    help,
    async run(argv, context) {
      if (wantsHelp(argv)) {
        process.stdout.write(help());
        return 0;
      }
      return spec.run(parse(argv), context);
    },
    check(argv) {
      if (!wantsHelp(argv)) parse(argv);
    },
  };

  function parse(argv: readonly string[]): OptionValues<O> & OptionValues<P> {
    const { help: _, ...parsed } = parseOptions(options, argv, positionals);
    const values = parsed as unknown as OptionValues<O> & OptionValues<P>;
    spec.validate?.(values);
    return values;
  }
}

/** A command made of subcommands (`image build|test|…`); its help lists each with its options. */
export function defineGroup(name: string, spec: { summary: string; description?: string; commands: readonly CliCommand[] }): CliCommand {
  const bySub = new Map(spec.commands.map((c) => [c.name.slice(name.length + 1), c]));
  const subs = [...bySub.keys()];
  const synopsis = `${name} <${subs.join('|')}>`;
  const help = () => {
    const lines = [`Usage: slm-copilot ${synopsis} [options]`, '', ...paragraph(spec.description)];
    for (const c of spec.commands)
      lines.push(`  ${c.synopsis.slice(name.length + 1)}`, `      ${c.summary}`, ...optionsHelp(c.options, '    '), '');
    return `${lines.join('\n')}\`slm-copilot ${name} <subcommand> --help\` shows one subcommand.\n`;
  };
  return {
    name,
    summary: spec.summary,
    synopsis,
    options: {},
    help,
    async run(argv, context) {
      const [sub, ...rest] = argv;
      if (sub === '--help' || sub === '-h' || sub === 'help') {
        process.stdout.write(help());
        return 0;
      }
      return subcommand(sub).run(rest, context);
    },
    check(argv) {
      const [sub, ...rest] = argv;
      if (sub !== '--help' && sub !== '-h' && sub !== 'help') subcommand(sub).check(rest);
    },
  };

  function subcommand(sub: string | undefined): CliCommand {
    if (sub === undefined) throw new UsageError([{ field: '<subcommand>', message: `is required (${subs.join('|')})` }]);
    const command = bySub.get(sub);
    if (command === undefined) throw new UsageError([{ field: sub, message: `unknown subcommand (known: ${subs.join(', ')})` }]);
    return command;
  }
}
