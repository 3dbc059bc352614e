/** `slm-copilot install`: image build time (idempotent): user, directories, unit, service entry, hooks. */
import { runInstall } from '../../appliance/stage/install-stage.ts';
import { formatIssues } from '../../appliance/stage/run-stage.ts';
import { systemApplianceEnv } from '../../appliance/stage/system-env.ts';
import { defineCommand } from '../command.ts';

export const installCommand = defineCommand('install', {
  summary: 'Appliance stage (image build): system user, directories, systemd unit, one-context hooks.',
  description: `Run once when the image is built (idempotent): creates the slm-copilot system user, /etc/slm-copilot,
/var/lib/slm-copilot and /models, the hardened engine unit, /etc/one-appliance/service and the
one-context hooks (net-90: configure + bootstrap; net-99: READY after a successful bootstrap).`,
  options: {},
  async run(_values, { env }) {
    const applianceEnv = await systemApplianceEnv({ env, echo: (line) => process.stdout.write(`${line}\n`) });
    const outcome = await runInstall(applianceEnv);
    if (!outcome.ok) {
      process.stderr.write(`slm-copilot install: failed:\n${formatIssues(outcome.issues)}\n`);
      return 1;
    }
    return 0;
  },
});
