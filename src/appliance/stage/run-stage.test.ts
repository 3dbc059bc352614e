import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../lib/errors.ts';
import { ApplianceFs } from '../appliance-fs.ts';
import { PATHS } from '../layout.ts';
import { runStage } from './run-stage.ts';
import { readStatus, writeStatus } from './status-file.ts';

function sandbox(t: { after(fn: () => void): void }) {
  const root = mkdtempSync(join(tmpdir(), 'slm-run-stage-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const fs = new ApplianceFs(root);
  const echoed: string[] = [];
  const env = { fs, echo: (line: string) => echoed.push(line) };
  const report = { cpuinfo: 'flags : avx2\n', now: () => new Date('2026-01-02T03:04:05Z'), sshTarget: undefined, raw: {} };
  const text = (logical: string) => readFileSync(fs.real(logical), 'utf8');
  return { fs, env, report, echoed, text };
}

describe('stage runner', () => {
  it('refuses a stage the status does not allow: the work never runs, the status stays, the log says why', async (t) => {
    const { fs, env, report, text } = sandbox(t);
    let ran = false;
    const work = async () => {
      ran = true;
      return {};
    };
    const outcome = await runStage(env, { stage: 'configure', report, work });
    assert.equal(ran, false);
    assert.deepEqual(outcome, {
      ok: false,
      issues: [{ field: 'status', message: 'the appliance is not installed (status "empty"): run "slm-copilot install" first' }],
    });
    assert.equal(await readStatus(fs), '');
    assert.equal(existsSync(fs.real(PATHS.report)), false, 'a refusal writes no report');
    assert.match(text(`${PATHS.logDir}/configure.log`), /"level":"error","msg":"the appliance is not installed/);

    await writeStatus(fs, 'configure', 'failure');
    const bootstrap = await runStage(env, { stage: 'bootstrap', report, work });
    assert.equal(ran, false);
    assert.deepEqual(bootstrap.issues, [
      { field: 'status', message: 'bootstrap needs a successful configure (status "configure_failure")' },
    ]);
    assert.equal(await readStatus(fs), 'configure_failure');
  });

  it('success: started while working, then success, the report, the log and the result in the outcome', async (t) => {
    const { fs, env, report, echoed, text } = sandbox(t);
    await writeStatus(fs, 'install', 'success');
    const outcome = await runStage(env, {
      stage: 'configure',
      report,
      work: async (logger) => {
        logger.info('working', { step: 1 });
        return { during: await readStatus(fs), motd: text(PATHS.motd) };
      },
    });
    const { motd, ...rest } = outcome as typeof outcome & { motd: string };
    assert.deepEqual(rest, { ok: true, issues: [], during: 'configure_started' });
    // one-apps MOTD convention: in progress while the stage runs, then the result.
    assert.match(motd, /2\/3 Configuration step is in progress\.\.\.\n[\s\S]*\* PLEASE WAIT \*/);
    assert.match(text(PATHS.motd), /2\/3 Configuration step was successful\./);
    assert.equal(text(PATHS.status), 'configure_success\n');
    const written = text(PATHS.report);
    assert.match(written, /^status = configure_success$/m);
    assert.match(written, /^last_error = $/m);
    assert.match(written, /^; generated 2026-01-02T03:04:05\.000Z$/m);
    assert.equal(statSync(fs.real(PATHS.report)).mode & 0o777, 0o600);
    const log = text(`${PATHS.logDir}/configure.log`);
    assert.match(log, /"msg":"working","step":1/);
    assert.match(log, /"msg":"configure finished"/);
    assert.deepEqual(echoed, ['[configure] working {"step":1}', '[configure] configure finished']);
    await runStage(env, { stage: 'bootstrap', report, work: async () => ({}) });
    assert.match(text(PATHS.motd), /^ All set and ready to serve 8\)$/m);
  });

  it('failure: status failure, every issue of a ConfigError in the outcome, the report and the log, then the note', async (t) => {
    const { fs, env, report, text } = sandbox(t);
    await writeStatus(fs, 'install', 'success');
    const issues = [
      { field: 'ONEAPP_COPILOT_ENGINE_TIMEOUT', message: 'allowed: 1 to 3600' },
      { field: 'ONEAPP_COPILOT_ENGINE_MODEL', message: 'no model definition "x.yaml"' },
    ];
    const outcome = await runStage(env, {
      stage: 'configure',
      report,
      failureNote: 'the previous configuration was left as it was',
      work: async () => {
        throw new ConfigError(issues);
      },
    });
    assert.deepEqual(outcome, { ok: false, issues });
    assert.equal(text(PATHS.status), 'configure_failure\n');
    assert.match(text(PATHS.motd), /2\/3 Configuration step failed\.[\s\S]*\* APPLIANCE ERROR \*/);
    assert.ok(!text(PATHS.motd).includes('All set'));
    const written = text(PATHS.report);
    assert.match(written, /^status = configure_failure$/m);
    assert.match(written, /^error\.ONEAPP_COPILOT_ENGINE_TIMEOUT = allowed: 1 to 3600$/m);
    assert.match(written, /^error\.ONEAPP_COPILOT_ENGINE_MODEL = no model definition "x\.yaml"$/m);
    const errors = text(`${PATHS.logDir}/configure.log`)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: string; msg: string })
      .filter((l) => l.level === 'error')
      .map((l) => l.msg);
    assert.deepEqual(errors, [
      'ONEAPP_COPILOT_ENGINE_TIMEOUT: allowed: 1 to 3600',
      'ONEAPP_COPILOT_ENGINE_MODEL: no model definition "x.yaml"',
      'the previous configuration was left as it was',
    ]);
  });

  it('failure with a plain error: the issue is named after the stage', async (t) => {
    const { fs, env, report, text } = sandbox(t);
    await writeStatus(fs, 'configure', 'success');
    const outcome = await runStage(env, {
      stage: 'bootstrap',
      report,
      work: async () => {
        throw new Error('self-test failed: no content');
      },
    });
    assert.deepEqual(outcome, { ok: false, issues: [{ field: 'bootstrap', message: 'self-test failed: no content' }] });
    assert.equal(text(PATHS.status), 'bootstrap_failure\n');
    assert.match(text(PATHS.report), /^error\.bootstrap = self-test failed: no content$/m);
    assert.match(text(`${PATHS.logDir}/bootstrap.log`), /"level":"error","msg":"self-test failed: no content"/);
  });

  it('install: always allowed, creates the status directory, writes no report on success or failure', async (t) => {
    const { fs, env, text } = sandbox(t);
    const old = process.umask(0o077);
    t.after(() => process.umask(old));
    const ok = await runStage(env, { stage: 'install', report: false, work: async () => ({}) });
    assert.deepEqual(ok, { ok: true, issues: [] });
    assert.equal(statSync(fs.real(PATHS.applianceDir)).mode & 0o777, 0o755);
    assert.equal(text(PATHS.status), 'install_success\n');
    const failed = await runStage(env, {
      stage: 'install',
      report: false,
      work: async () => {
        throw new Error('useradd: exit 9');
      },
    });
    assert.deepEqual(failed, { ok: false, issues: [{ field: 'install', message: 'useradd: exit 9' }] });
    assert.equal(text(PATHS.status), 'install_failure\n');
    assert.equal(existsSync(fs.real(PATHS.report)), false);
  });
});
