/** `slm-copilot bootstrap`: wait for the model, self-test through nginx, publish READY to OneGate. */
import { runBootstrap } from '../../appliance/stage/bootstrap-stage.ts';
import { formatIssues } from '../../appliance/stage/run-stage.ts';
import { systemApplianceEnv } from '../../appliance/stage/system-env.ts';
import { intOption } from '../../lib/options.ts';
import { defineCommand } from '../command.ts';

export const bootstrapCommand = defineCommand('bootstrap', {
  summary: 'Appliance stage: wait for the model, self-test through nginx, report READY.',
  description: `Waits for the engine's /readyz (bounded), runs a self-test through nginx (HTTPS, API key, one short
streamed completion), writes the result to /etc/one-appliance/config and, when the VM has a OneGate
token, publishes READY=YES with the endpoint URL and model id (never the key).`,
  options: {
    'ready-timeout': intOption({
      placeholder: 'S',
      min: 1,
      max: 86_400,
      description: 'seconds to wait for the model to load',
      defaultText: '900',
    }),
  },
  async run(values, { env }) {
    const seconds = values['ready-timeout'];
    const applianceEnv = await systemApplianceEnv({
      env,
      echo: (line) => process.stdout.write(`${line}\n`),
      ...(seconds !== undefined ? { readyTimeoutMs: seconds * 1000 } : {}),
    });
    const outcome = await runBootstrap(applianceEnv);
    if (!outcome.ok) {
      process.stderr.write(`slm-copilot bootstrap: failed:\n${formatIssues(outcome.issues)}\n`);
      return 1;
    }
    return 0;
  },
});
