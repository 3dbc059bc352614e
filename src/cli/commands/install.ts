/** `slm-copilot install`: image build time (idempotent): user, directories, unit, service entry, hooks. */
import { parseArgs } from 'node:util';
import { runInstall } from '../../appliance/stage/install-stage.ts';
import { formatIssues } from '../../appliance/stage/run-stage.ts';
import { systemApplianceEnv } from '../../appliance/stage/system-env.ts';
import type { CliCommand } from '../main.ts';

const HELP = `Usage: slm-copilot install

Run once when the image is built (idempotent): creates the slm-copilot system user, /etc/slm-copilot,
/var/lib/slm-copilot and /models, the hardened engine unit, /etc/one-appliance/service and the
one-context hooks (net-90: configure + bootstrap; net-99: READY after a successful bootstrap).
`;

export const installCommand: CliCommand = {
  summary: 'Appliance stage (image build): system user, directories, systemd unit, one-context hooks.',
  async run(argv) {
    const { values } = parseArgs({ args: argv, strict: true, options: { help: { type: 'boolean', short: 'h' } } });
    if (values.help === true) {
      process.stdout.write(HELP);
      return 0;
    }
    const env = await systemApplianceEnv({ env: process.env, echo: (line) => process.stdout.write(`${line}\n`) });
    const outcome = await runInstall(env);
    if (!outcome.ok) {
      process.stderr.write(`slm-copilot install: failed:\n${formatIssues(outcome.issues)}\n`);
      return 1;
    }
    return 0;
  },
};
