/** `slm-copilot configure`: apply the OpenNebula context (every boot and context change). */
import { parseArgs } from 'node:util';
import { formatVariablesHelp } from '../../appliance/context/context-variables.ts';
import { runConfigure } from '../../appliance/stage/configure-stage.ts';
import { formatIssues } from '../../appliance/stage/run-stage.ts';
import { systemApplianceEnv } from '../../appliance/stage/system-env.ts';
import type { CliCommand } from '../main.ts';

const HELP = `Usage: slm-copilot configure [--acme-server URL] [--acme-ca-bundle FILE]

Reads the ONEAPP_COPILOT_* variables (environment, else /run/one-context/one_env), validates all of them,
then renders and applies the engine and nginx configuration. Invalid values change nothing: the previous
endpoint keeps serving and /etc/one-appliance/config names each bad variable.

  --acme-server URL       ACME directory for letsencrypt mode (default: Let's Encrypt production)
  --acme-ca-bundle FILE   CA bundle trusted for that ACME server (private/test CAs)

`;

export const configureCommand: CliCommand = {
  summary: 'Appliance stage: apply the context variables (validate all, then nginx + engine).',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: { help: { type: 'boolean', short: 'h' }, 'acme-server': { type: 'string' }, 'acme-ca-bundle': { type: 'string' } },
    });
    if (values.help === true) {
      process.stdout.write(HELP + formatVariablesHelp());
      return 0;
    }
    const env = await systemApplianceEnv({
      env: process.env,
      echo: (line) => process.stdout.write(`${line}\n`),
      acmeServer: values['acme-server'],
      acmeCaBundle: values['acme-ca-bundle'],
    });
    const outcome = await runConfigure(env);
    if (!outcome.ok) {
      process.stderr.write(`slm-copilot configure: failed:\n${formatIssues(outcome.issues)}\n`);
      return 1;
    }
    return 0;
  },
};
