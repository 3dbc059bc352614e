/**
 * /etc/motd in the one-apps convention: rewritten at the start and end of every stage, with the phrases
 * operators and the community test-suites look for ("PLEASE WAIT", "All set and ready to serve 8)",
 * "APPLIANCE ERROR"). Details (URL, key) stay in the report and the login banner.
 */
import type { Stage, StageState } from '../stage/status-file.ts';

const STEP: Record<Stage, string> = { install: '1/3 Installation', configure: '2/3 Configuration', bootstrap: '3/3 Bootstrap' };

export function renderMotd(stage: Stage, state: StageState, reportPath: string): string {
  const head = ['', ' SLM-Copilot: OpenNebula Service Appliance', ''];
  const body =
    state === 'started'
      ? [` ${STEP[stage]} step is in progress...`, '', ' * * * * * * * *', ' * PLEASE WAIT *', ' * * * * * * * *']
      : state === 'success'
        ? stage === 'bootstrap'
          ? [' All set and ready to serve 8)', '', ` Endpoint, API key and client settings: cat ${reportPath}`]
          : [` ${STEP[stage]} step was successful.`]
        : [
            ` ${STEP[stage]} step failed.`,
            '',
            ' * * * * * * * * * *',
            ' * APPLIANCE ERROR *',
            ' * * * * * * * * * *',
            '',
            ` The reason is in ${reportPath} (last_error); fix the context and it re-runs.`,
          ];
  return `${[...head, ...body, ''].join('\n')}\n`;
}
