/** `slm-copilot report`: prints /etc/one-appliance/config (endpoint, key, client settings, errors). */
import { ApplianceFs } from '../../appliance/appliance-fs.ts';
import { PATHS } from '../../appliance/layout.ts';
import { defineCommand } from '../command.ts';
import { rootOption } from '../root-option.ts';

export const reportCommand = defineCommand('report', {
  summary: 'Print the appliance report: endpoint, API key, Cline/Continue settings, status, errors.',
  description: `Prints ${PATHS.report} (it contains the API key; root only).`,
  options: { root: rootOption('the appliance tree, e.g. the sandbox of "slm-copilot up"', '/') },
  async run(values) {
    const fs = new ApplianceFs(values.root ?? '/');
    const text = await fs.readText(PATHS.report).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'EACCES') throw new Error(`${fs.real(PATHS.report)} is readable by root only (it holds the API key): use sudo`);
      throw e;
    });
    if (text === undefined) {
      process.stderr.write(`slm-copilot report: ${fs.real(PATHS.report)} does not exist yet (configure has not run)\n`);
      return 1;
    }
    process.stdout.write(text);
    return 0;
  },
});
