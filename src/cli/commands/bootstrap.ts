/** `slm-copilot bootstrap`: wait for the model, self-test through nginx, publish READY to OneGate. */
import { parseArgs } from 'node:util';
import { runBootstrap } from '../../appliance/stage/bootstrap-stage.ts';
import { formatIssues } from '../../appliance/stage/run-stage.ts';
import { systemApplianceEnv } from '../../appliance/stage/system-env.ts';
import type { CliCommand } from '../main.ts';

const HELP = `Usage: slm-copilot bootstrap [--ready-timeout SECONDS]

Waits for the engine's /readyz (bounded), runs a self-test through nginx (HTTPS, API key, one short
streamed completion), writes the result to /etc/one-appliance/config and, when the VM has a OneGate
token, publishes READY=YES with the endpoint URL and model id (never the key).
`;

export const bootstrapCommand: CliCommand = {
  summary: 'Appliance stage: wait for the model, self-test through nginx, report READY.',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: { help: { type: 'boolean', short: 'h' }, 'ready-timeout': { type: 'string' } },
    });
    if (values.help === true) {
      process.stdout.write(HELP);
      return 0;
    }
    const seconds = values['ready-timeout'] === undefined ? undefined : Number(values['ready-timeout']);
    if (seconds !== undefined && !(Number.isInteger(seconds) && seconds > 0)) {
      process.stderr.write('slm-copilot bootstrap: --ready-timeout must be a positive integer\n');
      return 2;
    }
    const env = await systemApplianceEnv({
      env: process.env,
      echo: (line) => process.stdout.write(`${line}\n`),
      ...(seconds !== undefined ? { readyTimeoutMs: seconds * 1000 } : {}),
    });
    const outcome = await runBootstrap(env);
    if (!outcome.ok) {
      process.stderr.write(`slm-copilot bootstrap: failed:\n${formatIssues(outcome.issues)}\n`);
      return 1;
    }
    return 0;
  },
};
