/**
 * The one-apps frame every stage runs in: refuse when the status file says the stage may not run, else
 * status `<stage>_started`, the stage's work, then `<stage>_success` or `<stage>_failure`; the report
 * (success and failure alike) and the per-stage log (/var/log/one-appliance/<stage>.log) at the end.
 */
import { ConfigError, type ConfigIssue } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { resolveAliases } from '../context/context-aliases.ts';
import { PATHS } from '../layout.ts';
import { renderMotd } from '../render/motd.ts';
import { writeReport } from '../report/write-report.ts';
import type { ApplianceEnv } from './appliance-env.ts';
import { createStageLog } from './stage-log.ts';
import { readStatus, type Stage, type StageState, stageAllowed, writeStatus } from './status-file.ts';

/** How every stage ends: `issues` names each problem (a context variable, or the stage itself). */
export interface StageOutcome {
  ok: boolean;
  issues: ConfigIssue[];
}

export interface StageSpec<T extends object> {
  stage: Stage;
  /**
   * What the report at the end (/etc/one-appliance/config) is written with; false for install, which
   * runs at image build time, before any configuration exists.
   */
  report: false | Pick<ApplianceEnv, 'cpuinfo' | 'now' | 'sshTarget' | 'raw'>;
  /** Logged after the issues when the stage fails (what the failure left in place). */
  failureNote?: string;
  /** The stage's work; what it returns joins the outcome. Throwing fails the stage (a ConfigError with its issues). */
  work: (logger: Logger) => Promise<T>;
}

export async function runStage<T extends object>(
  env: Pick<ApplianceEnv, 'fs' | 'echo'>,
  spec: StageSpec<T>,
): Promise<StageOutcome & Partial<T>> {
  const { fs } = env;
  const { stage, report: reportWith } = spec;
  const log = createStageLog(fs, stage, env.echo);
  const report = async (issues: readonly ConfigIssue[]) => {
    if (reportWith !== false)
      await writeReport(fs, {
        issues,
        cpuinfo: reportWith.cpuinfo,
        now: reportWith.now(),
        sshTarget: reportWith.sshTarget,
        renamed: resolveAliases(reportWith.raw).notices,
      });
  };
  try {
    const refusal = stageAllowed(stage, await readStatus(fs));
    if (refusal !== undefined) {
      log.logger.error(refusal);
      return { ok: false, issues: [{ field: 'status', message: refusal }] } as StageOutcome & Partial<T>;
    }
    await fs.mkdir(PATHS.applianceDir, 0o755);
    await writeStatus(fs, stage, 'started');
    await writeMotd(fs, stage, 'started');
    try {
      const result = await spec.work(log.logger);
      await writeStatus(fs, stage, 'success');
      await writeMotd(fs, stage, 'success');
      await report([]);
      log.logger.info(`${stage} finished`);
      return { ...result, ok: true, issues: [] };
    } catch (error) {
      const issues = issuesOf(error, stage);
      for (const issue of issues) log.logger.error(issue.field === stage ? issue.message : `${issue.field}: ${issue.message}`);
      if (spec.failureNote !== undefined) log.logger.error(spec.failureNote);
      await writeStatus(fs, stage, 'failure');
      await writeMotd(fs, stage, 'failure');
      await report(issues);
      return { ok: false, issues } as StageOutcome & Partial<T>;
    }
  } finally {
    await log.flush();
  }
}

async function writeMotd(fs: ApplianceEnv['fs'], stage: Stage, state: StageState): Promise<void> {
  await fs.write(PATHS.motd, renderMotd(stage, state, PATHS.report), 0o644);
}

function issuesOf(error: unknown, stage: Stage): ConfigIssue[] {
  if (error instanceof ConfigError) return [...error.issues];
  return [{ field: stage, message: error instanceof Error ? error.message : String(error) }];
}

/** The issues as indented `field: message` lines, for a terminal. */
export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((i) => `  ${i.field}: ${i.message}`).join('\n');
}
