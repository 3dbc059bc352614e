/** `slm-copilot configure`: apply the OpenNebula context (every boot and context change). */
import { formatVariablesHelp } from '../../appliance/context/context-variables.ts';
import { runConfigure } from '../../appliance/stage/configure-stage.ts';
import { formatIssues } from '../../appliance/stage/run-stage.ts';
import { systemApplianceEnv } from '../../appliance/stage/system-env.ts';
import { textOption } from '../../lib/options.ts';
import { defineCommand } from '../command.ts';

export const configureCommand = defineCommand('configure', {
  summary: 'Appliance stage: apply the context variables (validate all, then nginx + engine).',
  description: `Reads the ONEAPP_COPILOT_* variables (environment, else /run/one-context/one_env), validates all of them,
then renders and applies the engine and nginx configuration. Invalid values change nothing: the previous
endpoint keeps serving and /etc/one-appliance/config names each bad variable.`,
  options: {
    'acme-server': textOption({
      placeholder: 'URL',
      description: 'ACME directory for letsencrypt mode',
      defaultText: "Let's Encrypt production",
    }),
    'acme-ca-bundle': textOption({ placeholder: 'FILE', description: 'CA bundle trusted for that ACME server (private/test CAs)' }),
  },
  epilogue: formatVariablesHelp,
  async run(values, { env }) {
    const applianceEnv = await systemApplianceEnv({
      env,
      echo: (line) => process.stdout.write(`${line}\n`),
      acmeServer: values['acme-server'],
      acmeCaBundle: values['acme-ca-bundle'],
    });
    const outcome = await runConfigure(applianceEnv);
    if (!outcome.ok) {
      process.stderr.write(`slm-copilot configure: failed:\n${formatIssues(outcome.issues)}\n`);
      return 1;
    }
    return 0;
  },
});
