/**
 * The engine's settings as a systemd EnvironmentFile (KEY=value, numbers and validated paths only), and
 * the ExecStart argv template shared by the systemd unit and the sandbox's child-process manager, so
 * both start the engine the same way.
 */
import type { EngineSettings } from '../plan/plan.ts';

export interface EngineSettingsInput {
  engine: EngineSettings;
  /** Real path of the rendered model YAML. */
  modelConfigPath: string;
}

export function renderEngineSettings(input: EngineSettingsInput): string {
  const e = input.engine;
  return [
    '# SLM-Copilot engine settings. Written by `slm-copilot configure`; a change restarts the engine.',
    `SLM_ENGINE_CONFIG=${input.modelConfigPath}`,
    `SLM_ENGINE_HOST=${e.host}`,
    `SLM_ENGINE_PORT=${e.port}`,
    `SLM_ENGINE_THREADS=${e.threads}`,
    `SLM_ENGINE_CONTEXT_SIZE=${e.contextSize}`,
    `SLM_ENGINE_PARALLEL=${e.parallel}`,
    `SLM_ENGINE_QUEUE=${e.queue}`,
    `SLM_ENGINE_REQUEST_TIMEOUT=${e.requestTimeoutSeconds}`,
    '',
  ].join('\n');
}

/**
 * `serve` arguments with `${VAR}` from the settings file and `%d` for the credentials directory
 * (systemd's LoadCredential= directory; the sandbox points it at the state directory).
 */
export const ENGINE_SERVE_ARGS = [
  'serve',
  '--config',
  '${SLM_ENGINE_CONFIG}',
  '--host',
  '${SLM_ENGINE_HOST}',
  '--port',
  '${SLM_ENGINE_PORT}',
  '--api-key-file',
  '%d/engine-key',
  '--threads',
  '${SLM_ENGINE_THREADS}',
  '--context-size',
  '${SLM_ENGINE_CONTEXT_SIZE}',
  '--parallel',
  '${SLM_ENGINE_PARALLEL}',
  '--queue',
  '${SLM_ENGINE_QUEUE}',
  '--request-timeout',
  '${SLM_ENGINE_REQUEST_TIMEOUT}',
] as const;

/** Parses an EnvironmentFile written by renderEngineSettings. */
export function parseEngineSettings(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m !== null) vars[m[1]!] = m[2]!;
  }
  return vars;
}

/** Expands the argv template like systemd would. */
export function expandServeArgs(vars: Readonly<Record<string, string>>, credentialsDir: string): string[] {
  return ENGINE_SERVE_ARGS.map((arg) =>
    arg
      .replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (_, name: string) => {
        const value = vars[name];
        if (value === undefined) throw new Error(`engine settings lack ${name}`);
        return value;
      })
      .replace('%d', credentialsDir),
  );
}
