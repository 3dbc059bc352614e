/**
 * Per-stage logs under /var/log/one-appliance/<stage>.log (appended, 0600) plus a human-readable echo
 * on the terminal / journal. Messages never contain the API key.
 */
import { createLogger, type Logger } from '../../lib/logger.ts';
import type { ApplianceFs } from '../appliance-fs.ts';
import { PATHS } from '../layout.ts';
import type { Stage } from './status-file.ts';

export interface StageLog {
  logger: Logger;
  flush(): Promise<void>;
}

export function createStageLog(fs: ApplianceFs, stage: Stage, echo: ((line: string) => void) | undefined): StageLog {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    write: (line) => {
      lines.push(line);
      if (echo !== undefined) {
        const o = JSON.parse(line) as Record<string, unknown>;
        const { time: _t, level, msg, ...rest } = o;
        const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
        echo(`[${stage}] ${level === 'info' ? '' : `${String(level).toUpperCase()}: `}${String(msg)}${extra}`);
      }
    },
  });
  return {
    logger,
    async flush() {
      if (lines.length === 0) return;
      const text = lines.splice(0).join('');
      await fs.append(`${PATHS.logDir}/${stage}.log`, text, 0o600);
    },
  };
}
