/**
 * `bootstrap`: wait (bounded) for the engine to load the model, then a self-test through nginx exactly
 * as a client connects; the result goes into the report. With a OneGate token, publish READY plus the
 * endpoint URL and model id (never the key).
 */
import { readFile } from 'node:fs/promises';
import type { Logger } from '../../lib/logger.ts';
import { readPersistedApiKey } from '../api-key.ts';
import { oneGateAccess } from '../context/context-sources.ts';
import { publishToOneGate } from '../onegate.ts';
import { type SelfTestResult, selfTest } from '../verify/self-test.ts';
import { waitForReady } from '../verify/wait-ready.ts';
import type { ApplianceEnv } from './appliance-env.ts';
import { readState, writeState } from './appliance-state.ts';
import { runStage, type StageOutcome } from './run-stage.ts';

export interface BootstrapResult {
  selfTest: SelfTestResult;
  published: boolean;
}

export type BootstrapOutcome = StageOutcome & Partial<BootstrapResult>;

export async function runBootstrap(env: ApplianceEnv): Promise<BootstrapOutcome> {
  return runStage(env, { stage: 'bootstrap', report: env, work: (logger) => bootstrap(env, logger) });
}

async function bootstrap(env: ApplianceEnv, logger: Logger): Promise<BootstrapResult> {
  const { fs } = env;
  const state = await readState(fs);
  const key = await readPersistedApiKey(fs);
  if (state === undefined || key === undefined) throw new Error('no configuration found: run configure first');
  logger.info('waiting for the engine to load the model', { timeoutSeconds: Math.round(env.readyTimeoutMs / 1000) });
  await waitForReady(`http://${state.engine.host}:${state.engine.port}/readyz`, env.readyTimeoutMs, () => env.services.isRunning('engine'));
  logger.info('engine ready; self-test through the edge');
  const ca =
    state.certificateKind === 'self-signed'
      ? await readFile(state.caPath ?? state.certPath)
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
  // The report reads the self-test from the state, on success and failure alike.
  await writeState(fs, { ...state, selfTest: result });
  if (!result.ok) throw new Error(`self-test failed: ${result.detail}`);
  logger.info('self-test passed', { detail: result.detail });

  let published = false;
  const access = oneGateAccess(env.raw);
  if (access !== undefined) {
    try {
      await publishToOneGate(access, { url: state.url, modelId: state.modelId, ready: env.raw['REPORT_READY']?.trim() === 'YES' });
      published = true;
      logger.info('published the endpoint to OneGate', { url: state.url, ready: env.raw['REPORT_READY']?.trim() === 'YES' });
    } catch (e) {
      // READY is also reported by net-99; a OneGate hiccup must not fail a working endpoint.
      logger.warn('could not publish to OneGate', { error: (e as Error).message });
    }
  }
  return { selfTest: result, published };
}
