/**
 * Command-line options, each declared once: its name (the table key, as typed after `--`), kind, help
 * text and default, and the zod schema that turns the typed string into a value. `parseOptions` reads an
 * argv against a table and fails with one `UsageError` naming every bad option and what it accepts;
 * `optionsHelp` writes the table's lines of `--help`.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { type ConfigIssue, UsageError } from './errors.ts';

export interface Option<T> {
  /** `flag` options take no value (`--quick`); `value` options take one (`--port 8080`). */
  readonly kind: 'flag' | 'value';
  readonly description: string;
  /** What stands for the value in help and usage lines: `FILE`, `N`, `kvm|tcg|auto`. */
  readonly placeholder: string;
  /** How help states the default; undefined when there is none, or the description says it. */
  readonly defaultText: (() => string) | undefined;
  readonly short: string | undefined;
  /** Whether `--no-NAME` sets the flag to false (it then stays undefined when not given). */
  readonly negatable: boolean;
  /** Parses the string (or boolean for flags) parseArgs read; undefined when the option is absent. */
  readonly schema: z.ZodType<T>;
}

// biome-ignore lint/suspicious/noExplicitAny: a table holds options of every value type
export type OptionTable = Record<string, Option<any>>;
export type OptionValues<T extends OptionTable> = { [K in keyof T]: T[K] extends Option<infer V> ? V : never };

interface Common {
  description: string;
  placeholder?: string;
  short?: string;
  /** Help text for a default the schema cannot state, e.g. `usable CPUs − 1`. */
  defaultText?: string | (() => string);
}

function option<T>(kind: Option<T>['kind'], common: Common, placeholder: string, schema: z.ZodType<T>, fixedDefault?: unknown): Option<T> {
  const defaultText = common.defaultText ?? (fixedDefault === undefined ? undefined : String(fixedDefault));
  return {
    kind,
    description: common.description,
    placeholder: common.placeholder ?? placeholder,
    defaultText: typeof defaultText === 'string' ? () => defaultText : defaultText,
    short: common.short,
    negatable: false,
    schema,
  };
}

/** `schema`, optional or with its default; `required` options have neither. */
function presence<T>(schema: z.ZodType<T, string>, spec: { default?: T; required?: boolean }): z.ZodType {
  if (spec.required === true) return schema;
  return spec.default === undefined ? schema.optional() : schema.default(spec.default as never);
}

interface TextSpec extends Common {
  default?: string;
  required?: boolean;
  /** A rule the value must follow, and how help and errors say it. */
  pattern?: { regex: RegExp; rule: string };
  /** Any other rule: returns what is wrong with the value, or undefined. */
  check?: (value: string) => string | undefined;
}

/** A string value: a path, a host, an id. */
export function textOption(spec: TextSpec & ({ default: string } | { required: true })): Option<string>;
export function textOption(spec: TextSpec): Option<string | undefined>;
export function textOption(spec: TextSpec): Option<string | undefined> {
  let schema = z.string().min(1, { error: 'must not be empty' });
  if (spec.pattern !== undefined) schema = schema.regex(spec.pattern.regex, { error: `must be ${spec.pattern.rule}` });
  const check = spec.check;
  const checked = check === undefined ? schema : schema.refine((v) => check(v) === undefined, { error: (i) => check(String(i.input)) });
  return option('value', spec, 'VALUE', presence(checked, spec) as z.ZodType<string | undefined>, spec.default);
}

interface NumberSpec extends Common {
  min: number;
  max: number;
  default?: number;
}

/** A whole number within [min, max]. */
export function intOption(spec: NumberSpec & { default: number }): Option<number>;
export function intOption(spec: NumberSpec): Option<number | undefined>;
export function intOption(spec: NumberSpec): Option<number | undefined> {
  return numberOption(spec, /^[+-]?\d+$/, `an integer from ${spec.min} to ${spec.max}`);
}

/** A decimal number within [min, max], e.g. seconds. */
export function decimalOption(spec: NumberSpec & { default: number }): Option<number>;
export function decimalOption(spec: NumberSpec): Option<number | undefined>;
export function decimalOption(spec: NumberSpec): Option<number | undefined> {
  return numberOption(spec, /^[+-]?(\d+\.?\d*|\.\d+)$/, `a number from ${spec.min} to ${spec.max}`);
}

function numberOption(spec: NumberSpec, syntax: RegExp, rule: string): Option<number | undefined> {
  const error = { error: `must be ${rule}` };
  const schema = z.string().trim().regex(syntax, error).transform(Number).pipe(z.number().min(spec.min, error).max(spec.max, error));
  return option('value', spec, 'N', presence(schema, spec) as z.ZodType<number | undefined>, spec.default);
}

/** One of a fixed list of words; help shows them as the placeholder (`--accel kvm|tcg|auto`). */
export function choiceOption<const V extends readonly [string, ...string[]]>(
  values: V,
  spec: Common & ({ default: V[number] } | { required: true }),
): Option<V[number]>;
export function choiceOption<const V extends readonly [string, ...string[]]>(
  values: V,
  spec: Common & { default?: V[number]; required?: boolean },
): Option<V[number] | undefined>;
export function choiceOption(
  values: readonly [string, ...string[]],
  spec: Common & { default?: string; required?: boolean },
): Option<string | undefined> {
  const schema = z.enum(values, { error: `must be one of ${values.join(', ')}` });
  return option('value', spec, values.join('|'), presence(schema, spec) as z.ZodType<string | undefined>, spec.default);
}

/** A switch without value: false unless given. */
export function flagOption(spec: Common): Option<boolean> {
  return option('flag', spec, '', z.boolean().default(false));
}

/** A switch with a `--no-` form: true, false, or undefined when neither was given (the caller decides). */
export function toggleOption(spec: Common): Option<boolean | undefined> {
  return { ...option('flag', spec, '', z.boolean().optional()), negatable: true };
}

/** `--name`, or `-s, --name` when it has a short form. */
function optionLabel(name: string, o: Option<unknown>): string {
  const long = o.negatable ? `--[no-]${name}` : `--${name}`;
  const withValue = o.kind === 'value' ? `${long} ${o.placeholder}` : long;
  return o.short === undefined ? withValue : `-${o.short}, ${withValue}`;
}

/** Help lines are wrapped at this width, like the hand-written ones were. */
const HELP_WIDTH = 110;
const LABEL_WIDTH = 22;

/** Splits `text` into lines of at most `width` characters, at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line];
}

/** The `--help` lines of a table, aligned and wrapped, each with its default. */
export function optionsHelp(table: OptionTable, indent = '  '): string[] {
  const pad = ' '.repeat(indent.length + LABEL_WIDTH + 2);
  return Object.entries(table).flatMap(([name, o]) => {
    const label = optionLabel(name, o);
    const shown = o.defaultText?.();
    const text = wrap(shown === undefined ? o.description : `${o.description} (default: ${shown})`, HELP_WIDTH - pad.length);
    const first =
      label.length > LABEL_WIDTH ? [`${indent}${label}`, `${pad}${text[0]}`] : [`${indent}${label.padEnd(LABEL_WIDTH)}  ${text[0]}`];
    return [...first, ...text.slice(1).map((t) => `${pad}${t}`)];
  });
}

/** Every option of a table, for an "unknown option" message. */
function optionList(table: OptionTable): string {
  return Object.entries(table)
    .map(([name, o]) => (o.negatable ? `--[no-]${name}` : `--${name}`))
    .join(', ');
}

/** Raw parseArgs failures (unknown option, missing value) as one usage issue naming the option. */
function parseArgsIssue(error: unknown, table: OptionTable): ConfigIssue {
  const code = (error as { code?: unknown }).code;
  // Node quotes what it stopped at: '--root', 'pos', '-o, --out <value>'.
  const quoted = /'([^']*)'/.exec(error instanceof Error ? error.message : '')?.[1] ?? '';
  const long = /--([^\s',=]+)/.exec(quoted)?.[1];
  const field = long === undefined ? (quoted.split(' ')[0] ?? quoted) : `--${long}`;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return { field, message: `unknown option (known: ${optionList(table)})` };
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return { field, message: 'unexpected argument (this command takes options only)' };
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const o = long === undefined ? undefined : table[long];
    if (long === undefined || o === undefined) throw error;
    return { field, message: o.kind === 'value' ? `needs a value: ${optionLabel(long, o)}` : 'takes no value' };
  }
  throw error;
}

/**
 * Parses `argv` against an option table and, optionally, named positional arguments (in order, all
 * required). Throws one `UsageError` listing every problem.
 */
export function parseOptions<O extends OptionTable, P extends OptionTable = Record<never, never>>(
  table: O,
  argv: readonly string[],
  positionals: P = {} as P,
): OptionValues<O> & OptionValues<P> {
  const config = Object.fromEntries(
    Object.entries(table).map(([name, o]) => [
      name,
      { type: o.kind === 'flag' ? ('boolean' as const) : ('string' as const), ...(o.short === undefined ? {} : { short: o.short }) },
    ]),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: config,
      strict: true,
      allowPositionals: Object.keys(positionals).length > 0,
      allowNegative: true,
      tokens: true,
    });
  } catch (error) {
    throw new UsageError([parseArgsIssue(error, table)]);
  }
  const issues: ConfigIssue[] = [];
  for (const token of parsed.tokens ?? []) {
    if (token.kind === 'option' && token.rawName.startsWith('--no-') && table[token.name]?.negatable !== true) {
      issues.push({ field: token.rawName, message: `unknown option (known: ${optionList(table)})` });
    }
  }
  const values: Record<string, unknown> = {};
  const read = (field: string, o: Option<unknown>, key: string, raw: unknown) => {
    const result = o.schema.safeParse(raw);
    if (result.success) values[key] = result.data;
    else if (raw === undefined) issues.push({ field, message: `is required (${o.placeholder})` });
    else issues.push({ field, message: `${result.error.issues[0]?.message ?? 'is invalid'} (got ${JSON.stringify(raw)})` });
  };
  for (const [name, o] of Object.entries(table)) read(`--${name}`, o, name, parsed.values[name]);
  const names = Object.keys(positionals);
  for (const [i, name] of names.entries()) read(`<${name}>`, positionals[name]!, name, parsed.positionals[i]);
  for (const extra of parsed.positionals.slice(names.length)) {
    issues.push({ field: extra, message: `unexpected argument (this command takes ${names.map((n) => `<${n}>`).join(' ')})` });
  }
  if (issues.length > 0) throw new UsageError(issues);
  return values as OptionValues<O> & OptionValues<P>;
}
