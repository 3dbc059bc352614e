/**
 * The whole appliance in a sandbox directory: install + configure + bootstrap with the engine and a
 * private nginx as child processes, high ports, no root needed. `slm-copilot up` and the integration
 * tests use it; it runs the same stages as the VM, only the ServiceManager and ports differ.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { networkInterfaces, totalmem } from 'node:os';
import { basename, dirname, extname, resolve } from 'node:path';
import { type CommandRunner, systemCommandRunner } from '../../lib/command-runner.ts';
import { mapModelFiles, parseModelDefinition, renderModelDefinition, type ServedModelDefinition } from '../../lib/model-definition.ts';
import { usableCpus } from '../../lib/usable-cpus.ts';
import { ApplianceFs } from '../appliance-fs.ts';
import { collectRawContext, vmAddresses } from '../context/context-sources.ts';
import { PATHS } from '../layout.ts';
import { listModelDefinitions } from '../plan/model-selection.ts';
import { type ChildServiceManager, createChildServiceManager } from '../services/child-service-manager.ts';
import type { ServiceName } from '../services/service-manager.ts';
import type { ApplianceEnv } from '../stage/appliance-env.ts';
import { type BootstrapOutcome, runBootstrap } from '../stage/bootstrap-stage.ts';
import type { AcmeOptions } from '../stage/certificates.ts';
import { type ConfigureOutcome, runConfigure } from '../stage/configure-stage.ts';
import { runInstall } from '../stage/install-stage.ts';
import { formatIssues } from '../stage/run-stage.ts';
import { readStatus } from '../stage/status-file.ts';
import { type SandboxPorts, sandboxProfile } from './sandbox-profile.ts';

export interface LocalStackOptions {
  root: string;
  /** A GGUF or a model YAML to serve; default: what /models in the root has, else a generated model. */
  model?: string | undefined;
  ports?: SandboxPorts;
  /** ONEAPP_COPILOT_* variables (and anything collectRawContext accepts). */
  context?: Record<string, string | undefined>;
  /** How to run this CLI (the engine is started as `<cli> serve …`). */
  cliCommand: readonly string[];
  echo?: ((line: string) => void) | undefined;
  readyTimeoutMs?: number;
  /** Writes a small model to the given path when the sandbox has none. */
  generateModel?: (outPath: string) => Promise<{ id: string; contextSize: number }>;
  acme?: AcmeOptions;
  runner?: CommandRunner;
  onUnexpectedExit?: (name: ServiceName, code: number | null, signal: NodeJS.Signals | null) => void;
  /** Skip bootstrap (tests that only need configure). */
  skipBootstrap?: boolean;
}

export interface LocalStack {
  fs: ApplianceFs;
  services: ChildServiceManager;
  env: ApplianceEnv;
  configure: ConfigureOutcome;
  bootstrap: BootstrapOutcome | undefined;
  /** Runs configure (and bootstrap when it succeeds) again with new context variables. */
  reconfigure(context: Record<string, string | undefined>, options?: { bootstrap?: boolean }): Promise<ConfigureOutcome>;
  reportText(): Promise<string>;
  status(): Promise<string>;
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const root = resolve(options.root);
  await mkdir(root, { recursive: true, mode: 0o700 });
  const fs = new ApplianceFs(root);
  const previousNginx = Number((await fs.readText(PATHS.nginxPid))?.trim());
  if (Number.isInteger(previousNginx) && previousNginx > 0 && processAlive(previousNginx)) {
    throw new Error(`another "slm-copilot up" is serving from ${root} (nginx pid ${previousNginx}); stop it first or use another --root`);
  }
  const runner = options.runner ?? systemCommandRunner;
  const profile = await sandboxProfile(fs, options.ports ?? {});
  const services = createChildServiceManager({
    fs,
    runner,
    cliCommand: options.cliCommand,
    ...(options.onUnexpectedExit !== undefined ? { onUnexpectedExit: options.onUnexpectedExit } : {}),
  });
  const echo = options.echo;
  await fs.mkdir(PATHS.modelsDir, 0o755);
  // Serve exactly the requested model, unless the context says otherwise; the caller's object stays as it was.
  const requested = await prepareModel(fs, options);
  const initialContext = requested === undefined ? { ...options.context } : { ONEAPP_COPILOT_ENGINE_MODEL: requested, ...options.context };
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => undefined);

  const makeEnv = (context: Record<string, string | undefined>): ApplianceEnv => {
    const raw = collectRawContext(context, undefined);
    return {
      fs,
      runner,
      services,
      profile,
      raw,
      facts: { totalMemoryBytes: totalmem(), usableCpus: usableCpus(), addresses: vmAddresses(raw, networkInterfaces()) },
      cpuinfo,
      now: () => new Date(),
      acme: options.acme ?? {},
      echo,
      sshTarget: undefined,
      readyTimeoutMs: options.readyTimeoutMs ?? 300_000,
    };
  };
  let env = makeEnv(initialContext);

  const install = await runInstall(env);
  if (!install.ok) throw new Error(`sandbox install failed:\n${formatIssues(install.issues)}`);
  let configure: ConfigureOutcome;
  let bootstrap: BootstrapOutcome | undefined;
  try {
    configure = await runConfigure(env);
    if (configure.ok && options.skipBootstrap !== true) bootstrap = await runBootstrap(env);
  } catch (error) {
    // Never leave children behind when the caller gets no stack to stop.
    await services.stopAll();
    throw error;
  }

  const stack: LocalStack = {
    fs,
    services,
    get env() {
      return env;
    },
    configure,
    bootstrap,
    async reconfigure(context, opts = {}) {
      env = makeEnv(context);
      const outcome = await runConfigure(env);
      if (outcome.ok && opts.bootstrap !== false) stack.bootstrap = await runBootstrap(env);
      return outcome;
    },
    async reportText() {
      return (await fs.readText(PATHS.report)) ?? '';
    },
    status: () => readStatus(fs),
    stop: () => services.stopAll(),
  };
  return stack;
}

/**
 * Puts the requested model into the sandbox's /models (a symlink per file the definition names, and
 * the definition); returns the definition to serve when one was requested.
 */
async function prepareModel(fs: ApplianceFs, options: LocalStackOptions): Promise<string | undefined> {
  if (options.model !== undefined) {
    const source = resolve(options.model);
    const ext = extname(source).toLowerCase();
    const name = basename(source, extname(source)).replace(/[^A-Za-z0-9._-]/g, '-');
    const target = `${PATHS.modelsDir}/${name}.yaml`;
    let definition: ServedModelDefinition;
    if (ext === '.gguf') {
      await fs.symlink(source, `${PATHS.modelsDir}/${name}.gguf`);
      definition = { name, parameters: { model: `${name}.gguf` } };
    } else if (ext === '.yaml' || ext === '.yml') {
      const links: [from: string, to: string][] = [];
      definition = mapModelFiles(parseModelDefinition(await readFile(source, 'utf8'), source, { requireId: true }), (file, field) => {
        const linked = field === 'parameters.model' ? `${name}${extname(file) || '.gguf'}` : `${name}-${basename(file)}`;
        links.push([resolve(dirname(source), file), linked]);
        return linked;
      });
      for (const [from, to] of links) await fs.symlink(from, `${PATHS.modelsDir}/${to}`);
    } else {
      throw new Error(`--model must be a .gguf or a model .yaml file (got ${source})`);
    }
    await fs.write(target, renderModelDefinition(definition, fs.real(target)), 0o644);
    return name;
  }
  if ((await listModelDefinitions(fs)).length > 0) return undefined;
  if (options.generateModel === undefined) throw new Error(`no model in ${fs.real(PATHS.modelsDir)}: pass --model FILE`);
  options.echo?.('[up] no model given: generating a small demo model (it only proves the plumbing; use --model for a real one)');
  const made = await options.generateModel(fs.real(`${PATHS.modelsDir}/demo.gguf`));
  const target = `${PATHS.modelsDir}/demo.yaml`;
  await fs.write(
    target,
    renderModelDefinition({ name: made.id, parameters: { model: 'demo.gguf' }, context_size: made.contextSize }, fs.real(target)),
    0o644,
  );
  return undefined;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
