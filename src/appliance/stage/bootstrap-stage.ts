/**
 * `bootstrap`: wait (bounded) for the engine to load the model, then a self-test through nginx exactly
 * as a client connects; the result goes into the report. With a OneGate token, publish READY plus the
 * endpoint URL and model id (never the key).
 */
import { readFile } from 'node:fs/promises';
import { hostPort } from '../../lib/host-port.ts';
import type { Logger } from '../../lib/logger.ts';
import { readEngineKey, readPersistedApiKey } from '../api-key.ts';
import { oneGateAccess } from '../context/context-sources.ts';
import { publishToOneGate } from '../onegate.ts';
import { runScaleOutPass } from '../scale-out/scale-out-pass.ts';
import { EDGE_METRICS_PATH } from '../scale-out/scale-out-site.ts';
import { edgeSelfTest, engineSelfTest } from '../verify/role-self-test.ts';
import { type SelfTestResult, selfTest } from '../verify/self-test.ts';
import { waitForReady } from '../verify/wait-ready.ts';
import type { ApplianceEnv } from './appliance-env.ts';
import { type ApplianceState, readState, writeState } from './appliance-state.ts';
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
  if (state.role === 'edge' || state.role === 'engine') return bootstrapServiceVm(env, logger, state, key);
  logger.info('waiting for the engine to load the model', { timeoutSeconds: Math.round(env.readyTimeoutMs / 1000) });
  await waitForReady(`http://${hostPort(state.engine.host, state.engine.port)}/readyz`, env.readyTimeoutMs, () =>
    env.services.isRunning('engine'),
  );
  logger.info('engine ready; self-test through the edge');
  const ca = await trustedCa(state);
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

/**
 * Edge and engine VMs of a OneFlow service. The engine waits for its model, proves the internal
 * credential opens it and the public key does not, then publishes itself through OneGate (the timer
 * keeps that fresh). The edge runs a first discovery pass and checks TLS and the key; it does not wait
 * for engines, which OneFlow starts after it.
 */
/** What the self-test trusts: the appliance CA (or the self-signed leaf of an older state), or the custom bundle. */
async function trustedCa(state: ApplianceState): Promise<Buffer | undefined> {
  if (state.certificateKind === 'self-signed') return readFile(state.caPath ?? state.certPath);
  return state.caBundle === undefined ? undefined : readFile(state.caBundle);
}

async function bootstrapServiceVm(env: ApplianceEnv, logger: Logger, state: ApplianceState, key: string): Promise<BootstrapResult> {
  const { fs } = env;
  let result: SelfTestResult;
  if (state.role === 'engine') {
    const address = hostPort(state.engine.host, state.engine.port);
    logger.info('waiting for the engine to load the model', { address, timeoutSeconds: Math.round(env.readyTimeoutMs / 1000) });
    await waitForReady(`http://${address}/readyz`, env.readyTimeoutMs, () => env.services.isRunning('engine'));
    const internalCredential = (await readEngineKey(fs)) ?? '';
    result = await engineSelfTest({ address, internalCredential, publicKey: key, timeoutMs: 15_000 });
  } else {
    const ca = await trustedCa(state);
    // The first pass writes the view the self-test reads (and finds engines already running on a reboot).
    const pass = await runScaleOutPass(env);
    if (pass.role === 'edge') logger.info('engines discovered', { routed: pass.view.engines.filter((e) => e.state === 'routed').length });
    result = await edgeSelfTest({
      origin: `https://127.0.0.1:${state.httpsPort}`,
      servername: state.hostname,
      ca,
      apiKey: key,
      metricsPath: EDGE_METRICS_PATH,
      timeoutMs: 15_000,
    });
  }
  await writeState(fs, { ...state, selfTest: result });
  if (!result.ok) throw new Error(`self-test failed: ${result.detail}`);
  logger.info('self-test passed', { detail: result.detail });

  let published = false;
  if (state.role === 'engine') {
    const pass = await runScaleOutPass(env);
    published = pass.role === 'engine' && pass.publication.error === undefined;
    if (published) logger.info('published address and readiness to OneGate', { address: state.engine.host });
    else logger.warn('could not publish to OneGate; the timer retries', { error: pass.role === 'engine' ? pass.publication.error : '' });
  } else {
    const access = oneGateAccess(env.raw);
    if (access !== undefined) {
      try {
        await publishToOneGate(access, { url: state.url, modelId: state.modelId, ready: env.raw['REPORT_READY']?.trim() === 'YES' });
        published = true;
      } catch (e) {
        logger.warn('could not publish to OneGate', { error: (e as Error).message });
      }
    }
  }
  return { selfTest: result, published };
}
