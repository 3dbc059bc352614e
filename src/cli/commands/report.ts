/** `slm-copilot report`: prints /etc/one-appliance/config (endpoint, key, client settings, errors). */
import { parseArgs } from 'node:util';
import { ApplianceFs } from '../../appliance/appliance-fs.ts';
import { PATHS } from '../../appliance/layout.ts';
import type { CliCommand } from '../main.ts';

export const reportCommand: CliCommand = {
  summary: 'Print the appliance report: endpoint, API key, Cline/Continue settings, status, errors.',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: { help: { type: 'boolean', short: 'h' }, root: { type: 'string' } },
    });
    if (values.help === true) {
      process.stdout.write(`Usage: slm-copilot report [--root DIR]\n\nPrints ${PATHS.report} (it contains the API key; root only).\n`);
      return 0;
    }
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
};
