/**
 * The errors SLM-Copilot raises on purpose, outside any protocol: their message is written for the person
 * who reads it (an operator at a terminal, a log line). The engine's HTTP errors build on `SlmError` in
 * `src/engine/api/api-errors.ts`, where they are mapped to OpenAI's wire shape.
 */

export class SlmError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/** One problem with one configuration input, e.g. a context variable or a command-line option. */
export interface ConfigIssue {
  /** The input's name as the operator typed it, e.g. `ONEAPP_COPILOT_ENGINE_TIMEOUT` or `--port`. */
  field: string;
  message: string;
}

/** Invalid configuration: carries every issue at once, so the operator fixes them in one round. */
export class ConfigError extends SlmError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('\n'));
    this.issues = issues;
  }
}

/**
 * The command line itself is wrong (unknown option or command, a missing or invalid value): the CLI
 * exits with 2 for it, as usage errors do, and 1 for everything else.
 */
export class UsageError extends ConfigError {}

/** A system command (openssl, nginx, certbot, systemctl) that failed. */
export class CommandError extends SlmError {
  readonly command: readonly string[];
  readonly exitCode: number | null;
  readonly stderr: string;

  constructor(command: readonly string[], exitCode: number | null, stderr: string) {
    super(`Command failed (exit ${exitCode ?? 'signal'}): ${command.join(' ')}\n${stderr.trim()}`);
    this.command = command;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}
