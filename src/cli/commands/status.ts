/** `slm-copilot status`: the appliance status line (one-apps convention) and the endpoint, without the key. */
import { ApplianceFs } from '../../appliance/appliance-fs.ts';
import { PATHS } from '../../appliance/layout.ts';
import { readState } from '../../appliance/stage/appliance-state.ts';
import { readStatus } from '../../appliance/stage/status-file.ts';
import { defineCommand } from '../command.ts';
import { rootOption } from '../root-option.ts';

export const statusCommand = defineCommand('status', {
  summary: 'Appliance status (install/configure/bootstrap _started/_success/_failure) and endpoint.',
  description: `Prints ${PATHS.status} and the configured endpoint. Exit 0 only after bootstrap_success.`,
  options: { root: rootOption('the appliance tree, e.g. the sandbox of "slm-copilot up"', '/') },
  async run(values) {
    const fs = new ApplianceFs(values.root ?? '/');
    const status = await readStatus(fs);
    const state = await readState(fs);
    const lines = [`status: ${status || '(not installed)'}`];
    if (state !== undefined) {
      lines.push(
        `endpoint: ${state.url}`,
        `model: ${state.modelId}`,
        `context size: ${state.contextSize}`,
        `tls: ${state.certificateKind} (${state.fingerprintSha256})`,
      );
      if (state.selfTest !== undefined) lines.push(`self-test: ${state.selfTest.ok ? 'passed' : 'FAILED'} — ${state.selfTest.detail}`);
    }
    lines.push(`details (incl. key and errors): ${fs.real(PATHS.report)}`);
    process.stdout.write(`${lines.join('\n')}\n`);
    return status === 'bootstrap_success' ? 0 : 1;
  },
});
