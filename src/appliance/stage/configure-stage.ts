/**
 * `configure`: context → validate everything → plan → certificate → render → apply → state + report.
 * Nothing is written before every variable is valid; an invalid context leaves the previous files,
 * key, certificate and running services untouched, and puts each bad variable in the report.
 */
import { ConfigError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { decideApiKey, readPersistedApiKey } from '../api-key.ts';
import { type ApplyResult, applyFiles } from '../apply/apply-files.ts';
import { roleDuties } from '../context/appliance-role.ts';
import { aliasNoticeText, resolveAliases } from '../context/context-aliases.ts';
import { parseApplianceContext } from '../context/context-schema.ts';
import { unknownVariableWarnings } from '../context/context-variables.ts';
import { PATHS } from '../layout.ts';
import { desiredFiles, type ScaleOutFiles } from '../plan/desired-files.ts';
import { type AppliancePlan, buildPlan } from '../plan/plan.ts';
import { EDGE_ROUTING } from '../scale-out/edge-settings.ts';
import { renderEngineUpstream } from '../scale-out/engine-upstream.ts';
import { internalCredential } from '../scale-out/internal-credential.ts';
import { type CheckedCustomCertificate, checkCustomCertificate } from '../tls/custom-certificate.ts';
import type { ApplianceEnv } from './appliance-env.ts';
import { readState, writeState } from './appliance-state.ts';
import { ensureSelfSigned, installCustomCertificate, type ServedCertificateInfo, tryLetsEncrypt } from './certificates.ts';
import { runStage, type StageOutcome } from './run-stage.ts';

export interface ConfigureResult {
  plan: AppliancePlan;
  apply: ApplyResult;
  keySource: 'generated' | 'kept' | 'configured';
  certificate: ServedCertificateInfo;
}

export type ConfigureOutcome = StageOutcome & Partial<ConfigureResult>;

export async function runConfigure(env: ApplianceEnv): Promise<ConfigureOutcome> {
  return runStage(env, {
    stage: 'configure',
    report: env,
    failureNote: 'configure failed; the previous configuration and running services were left as they were',
    work: (logger) => configure(env, logger),
  });
}

async function configure(env: ApplianceEnv, logger: Logger): Promise<ConfigureResult> {
  const { fs, runner, services } = env;
  for (const warning of unknownVariableWarnings(Object.keys(env.raw))) logger.warn(warning);
  for (const notice of resolveAliases(env.raw).notices) logger.warn(aliasNoticeText(notice));
  const parsed = parseApplianceContext(env.raw);
  if (!parsed.ok) throw new ConfigError(parsed.issues);
  const plan = await buildPlan(parsed.value, env.facts, env.profile, fs);
  const key = decideApiKey(parsed.value.apiKey, await readPersistedApiKey(fs));
  // The operator's certificate is judged before anything is written: a bad one keeps the serving one.
  let custom: CheckedCustomCertificate | undefined;
  if (parsed.value.customCertificate !== undefined) {
    const checked = await checkCustomCertificate({
      input: parsed.value.customCertificate,
      hostname: plan.hostname,
      now: env.now(),
      runner,
    });
    if (!checked.ok) throw new ConfigError(checked.issues);
    custom = checked.value;
  }
  const duties = roleDuties(plan.role);
  const scaleOut: ScaleOutFiles | undefined =
    plan.role === 'standalone'
      ? undefined
      : {
          internalCredential: internalCredential(parsed.value),
          // Discovery owns the engine list; configure only starts it empty (nginx needs the file).
          upstream: (await fs.readText(PATHS.nginxEngineUpstream)) ?? renderEngineUpstream({ ...EDGE_ROUTING, nodes: [] }),
        };
  logger.info('configuration is valid', {
    role: plan.role,
    url: plan.endpointUrl,
    model: plan.model.id,
    contextSize: plan.engine.contextSize,
    threads: plan.engine.threads,
    tlsMode: plan.tlsMode,
    apiKey: key.source,
  });
  if (plan.engine.contextWarning !== undefined) logger.warn(plan.engine.contextWarning);

  // From here on, the configuration is valid and may be applied.
  await ensureDirectories(env);
  const previous = await readState(fs);
  const selfSigned = await ensureSelfSigned(plan, fs, runner, env.now());
  if (selfSigned.applianceCa.changed)
    logger.warn('new appliance CA: clients must trust the new CA file', {
      reason: selfSigned.applianceCa.reason,
      fingerprint: selfSigned.applianceCa.fingerprintSha256,
    });
  if (selfSigned.changed)
    logger.info('server certificate issued by the appliance CA', { reason: selfSigned.note, fingerprint: selfSigned.fingerprintSha256 });
  let served: ServedCertificateInfo = selfSigned;
  let certificateChanged = selfSigned.changed;
  if (custom !== undefined) {
    served = await installCustomCertificate(custom, fs, selfSigned.applianceCa);
    certificateChanged = served.changed;
    logger.info('serving the own certificate (ONEAPP_COPILOT_TLS_CERT)', {
      fingerprint: served.fingerprintSha256,
      notAfter: custom.notAfter.toISOString(),
      trust: custom.rootPem === undefined ? 'system trust store' : 'the root included in the value',
    });
  }
  // An earlier run's Let's Encrypt certificate keeps serving (reused, or renewed through the running nginx).
  if (
    duties.runsEdge &&
    plan.tlsMode === 'letsencrypt' &&
    previous?.certificateKind === 'letsencrypt' &&
    previous.hostname === plan.hostname
  ) {
    const le = await tryLetsEncrypt(plan, fs, runner, env.acme, env.now(), selfSigned.applianceCa).catch((error: unknown) => {
      logger.warn("could not reuse the Let's Encrypt certificate; serving the self-signed one and requesting a new one", {
        reason: error instanceof Error ? error.message : String(error),
      });
      return undefined;
    });
    if (le?.ok === true) {
      served = le.cert;
      certificateChanged = le.cert.changed;
    }
  }
  const runs = { engine: duties.runsEngine, edge: duties.runsEdge };
  let apply = await applyFiles(fs, desiredFiles(plan, key.key, served, fs, scaleOut), services, { certificateChanged, logger, runs });

  let tlsNote: string | undefined;
  if (duties.runsEdge && plan.tlsMode === 'letsencrypt' && served.kind !== 'letsencrypt') {
    logger.info("requesting a Let's Encrypt certificate", { domain: plan.hostname });
    const le = await tryLetsEncrypt(plan, fs, runner, env.acme, env.now(), selfSigned.applianceCa);
    if (le.ok) {
      served = le.cert;
      const second = await applyFiles(fs, desiredFiles(plan, key.key, served, fs, scaleOut), services, {
        certificateChanged: true,
        logger,
        runs,
      });
      apply = {
        ...second,
        changedFiles: [...apply.changedFiles, ...second.changedFiles],
        engineRestarted: apply.engineRestarted || second.engineRestarted,
      };
      logger.info("serving the Let's Encrypt certificate", { fingerprint: served.fingerprintSha256 });
    } else {
      tlsNote = `Let's Encrypt failed, serving the self-signed certificate instead: ${le.reason}`;
      logger.warn(tlsNote);
    }
  }

  if (env.profile.mode === 'system') {
    if (duties.runsEngine) await services.enable('engine');
    if (duties.runsEdge) await services.enable('nginx');
  }
  await services.setScaleOutTimer(plan.role !== 'standalone');
  await writeState(fs, {
    role: plan.role,
    url: plan.endpointUrl,
    hostname: plan.hostname,
    modelId: plan.model.id,
    contextSize: plan.engine.contextSize,
    tlsMode: plan.tlsMode,
    certificateKind: served.kind,
    certPath: served.certPath,
    fingerprintSha256: served.fingerprintSha256,
    ...(served.kind === 'self-signed'
      ? { caPath: served.applianceCa.certPath, caFingerprintSha256: served.applianceCa.fingerprintSha256 }
      : {}),
    httpPort: plan.edge.httpPort,
    ...(tlsNote !== undefined ? { tlsNote } : {}),
    ...(plan.engine.contextWarning !== undefined ? { contextNote: plan.engine.contextWarning } : {}),
    ...(served.kind === 'letsencrypt' && env.acme.issuedCaBundle !== undefined ? { caBundle: env.acme.issuedCaBundle } : {}),
    ...(served.trustAnchorPath !== undefined ? { caBundle: served.trustAnchorPath } : {}),
    engine: { host: plan.engine.host, port: plan.engine.port },
    httpsPort: plan.edge.httpsPort,
    timeoutSeconds: plan.edge.timeoutSeconds,
    configuredAt: env.now().toISOString(),
  });
  logger.info('configuration applied', { url: plan.endpointUrl, model: plan.model.id });
  return { plan, apply, keySource: key.source, certificate: served };
}

async function ensureDirectories(env: ApplianceEnv): Promise<void> {
  const { fs } = env;
  await fs.mkdir(PATHS.configDir, 0o755);
  await fs.mkdir(PATHS.stateDir, 0o755);
  await fs.mkdir(PATHS.acmeWebroot, 0o755);
  await fs.mkdir('/etc/nginx/slm-copilot', 0o755);
  await fs.mkdir(PATHS.logDir, 0o755);
  if (env.profile.mode === 'sandbox') {
    await fs.mkdir('/var/log/nginx', 0o755);
    await fs.mkdir(PATHS.sandboxLogDir, 0o755);
    await fs.mkdir('/run', 0o755);
    for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await fs.mkdir(`${PATHS.nginxTempDir}/${d}`, 0o700);
  } else {
    await fs.mkdir('/etc/nginx/sites-available', 0o755);
    await fs.mkdir('/etc/nginx/sites-enabled', 0o755);
    await fs.symlink(fs.real(PATHS.nginxSite), PATHS.nginxSiteEnabled);
    // Debian's default site also claims port 80 as default_server.
    await fs.remove(PATHS.nginxDefaultSiteEnabled);
  }
}
