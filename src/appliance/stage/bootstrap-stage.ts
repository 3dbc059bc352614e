/**
 * `bootstrap`: wait (bounded) for the engine to load the model, then a self-test through nginx exactly
 * as a client connects; the result goes into the report. With a OneGate token, publish READY plus the
 * endpoint URL and model id (never the key).
 */
import { readFile } from 'node:fs/promises';
import { readPersistedApiKey } from '../api-key.ts';
import { oneGateAccess } from '../context/context-sources.ts';
import { publishToOneGate } from '../onegate.ts';
import { writeReport } from '../report/write-report.ts';
import { type SelfTestOutcome, selfTest } from '../verify/self-test.ts';
import { waitForReady } from '../verify/wait-ready.ts';
import type { ApplianceEnv } from './appliance-env.ts';
import { readState, writeState } from './appliance-state.ts';
import { createStageLog } from './stage-log.ts';
import { readStatus, stageAllowed, writeStatus } from './status-file.ts';

export interface BootstrapOutcome {
  ok: boolean;
  error?: string;
  selfTest?: SelfTestOutcome;
  published?: boolean;
}

export async function runBootstrap(env: ApplianceEnv): Promise<BootstrapOutcome> {
  const { fs } = env;
  const log = createStageLog(fs, 'bootstrap', env.echo);
  const refusal = stageAllowed('bootstrap', await readStatus(fs));
  if (refusal !== undefined) {
    log.logger.error(refusal);
    await log.flush();
    return { ok: false, error: refusal };
  }
  await writeStatus(fs, 'bootstrap', 'started');
  try {
    const state = await readState(fs);
    const key = await readPersistedApiKey(fs);
    if (state === undefined || key === undefined) throw new Error('no configuration found: run configure first');
    log.logger.info('waiting for the engine to load the model', { timeoutSeconds: Math.round(env.readyTimeoutMs / 1000) });
    await waitForReady(`http://${state.engine.host}:${state.engine.port}/readyz`, env.readyTimeoutMs, () =>
      env.services.isRunning('engine'),
    );
    log.logger.info('engine ready; self-test through the edge');
    const ca =
      state.certificateKind === 'self-signed'
        ? await readFile(state.certPath)
        : state.caBundle !== undefined
          ? await readFile(state.caBundle)
          : undefined;
    const result = await selfTest({
      origin: `https://127.0.0.1:${state.httpsPort}`,
      servername: state.hostname,
      ca,
      apiKey: key,
      modelId: state.modelId,
      timeoutMs: Math.max(30_000, state.timeoutSeconds * 1000),
    });
    await writeState(fs, { ...state, selfTest: result });
    if (!result.ok) throw new Error(`self-test failed: ${result.detail}`);
    log.logger.info('self-test passed', { detail: result.detail });

    let published = false;
    const access = oneGateAccess(env.raw);
    if (access !== undefined) {
      try {
        await publishToOneGate(access, { url: state.url, modelId: state.modelId });
        published = true;
        log.logger.info('published READY and the endpoint to OneGate', { url: state.url });
      } catch (e) {
        // READY is also reported by net-99; a OneGate hiccup must not fail a working endpoint.
        log.logger.warn('could not publish to OneGate', { error: (e as Error).message });
      }
    }
    await writeStatus(fs, 'bootstrap', 'success');
    await writeReport(fs, { issues: [], selfTest: result, cpuinfo: env.cpuinfo, now: env.now(), sshTarget: env.sshTarget });
    return { ok: true, selfTest: result, published };
  } catch (e) {
    const message = (e as Error).message;
    log.logger.error(message);
    await writeStatus(fs, 'bootstrap', 'failure');
    await writeReport(fs, { issues: [{ field: 'bootstrap', message }], cpuinfo: env.cpuinfo, now: env.now(), sshTarget: env.sshTarget });
    return { ok: false, error: message };
  } finally {
    await log.flush();
  }
}
