/**
 * `slm-copilot up`: the whole appliance on this machine, in a sandbox directory: configure + engine +
 * nginx (TLS, key, limits) as child processes on high ports, then the report; stays in the foreground
 * until Ctrl-C and stops its children on exit.
 */

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatVariablesHelp } from '../../appliance/context/context-variables.ts';
import { PATHS } from '../../appliance/layout.ts';
import type { LocalStack } from '../../appliance/local/local-stack.ts';
import { formatIssues } from '../../appliance/stage/run-stage.ts';
import { intOption, textOption } from '../../lib/options.ts';
import { fileTail } from '../../lib/process/output-tail.ts';
import { defineCommand } from '../command.ts';
import { rootOption } from '../root-option.ts';

/** How to run this CLI again (the engine runs as `<cli> serve`). */
export function selfCliCommand(): string[] {
  const main = fileURLToPath(new URL('../main.ts', import.meta.url));
  if (existsSync(main)) return [process.execPath, main];
  // Bundled release: dist/cli.mjs is this very script.
  return [process.execPath, process.argv[1]!];
}

export const upCommand = defineCommand('up', {
  summary: 'Run the whole appliance locally (engine + nginx TLS edge) and print how to connect. Start here.',
  description: `Runs the SLM-Copilot appliance locally, as on the VM but without root: the engine and a private nginx
(HTTPS with a self-signed certificate, API key, rate limits) as child processes. Prints the report
(endpoint, key, Cline/Continue settings, curl) and serves until Ctrl-C.
ONEAPP_COPILOT_* variables in the environment are applied like OpenNebula context.`,
  options: {
    model: textOption({ placeholder: 'FILE', description: 'a GGUF model or a model YAML', defaultText: 'a small generated demo model' }),
    root: rootOption(
      'sandbox directory for config, key, certificate and logs; the key and certificate are kept there and reused by the next "up"',
      './.slm-copilot-local',
    ),
    port: intOption({ min: 1, max: 65535, description: 'HTTPS port', defaultText: '8443 if free, else any free port' }),
    engines: intOption({
      placeholder: 'N',
      min: 1,
      max: 8,
      description:
        'scale-out: an edge (nginx, cache-aware routing) and N engine processes, discovered through a local fake OneGate, as the OneFlow service runs them',
    }),
    'ready-timeout': intOption({
      placeholder: 'S',
      min: 1,
      max: 86_400,
      default: 600,
      description: 'seconds to wait for the model to load',
    }),
  },
  epilogue: formatVariablesHelp,
  async run(values, { env }) {
    if (values.engines !== undefined) return runScaleOut(values.engines, values.model, values.root, values.port);
    const { startLocalStack } = await import('../../appliance/local/local-stack.ts');
    const { collectReport } = await import('../../appliance/report/write-report.ts');
    const { DEMO_AFTER_TOOL_TEXT, DEMO_MODEL_ID, DEMO_TEXT } = await import('../../engine/demo-model.ts');
    const { makeModel } = await import('../../modelgen/make-model.ts');
    const port = values.port;
    const readySeconds = values['ready-timeout'];
    const root = resolve(values.root ?? join(process.cwd(), '.slm-copilot-local'));
    const say = (line: string) => process.stdout.write(`${line}\n`);
    say(`SLM-Copilot: starting the local appliance in ${root}`);

    let stack: LocalStack | undefined;
    let stopping = false;
    const stop = async (code: number) => {
      if (stopping) return;
      stopping = true;
      say('\nSLM-Copilot: stopping nginx and the engine…');
      await stack?.stop();
      process.exit(code);
    };
    process.on('SIGINT', () => void stop(0));
    process.on('SIGTERM', () => void stop(0));

    const context: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(env)) if (k.startsWith('ONEAPP_COPILOT_')) context[k] = v;
    try {
      stack = await startLocalStack({
        root,
        model: values.model,
        ports: { httpsPort: port },
        context,
        cliCommand: selfCliCommand(),
        echo: (line) => say(`  ${line}`),
        readyTimeoutMs: readySeconds * 1000,
        generateModel: async (out) => {
          await makeModel({ kind: 'scripted', out, text: DEMO_TEXT, afterToolText: DEMO_AFTER_TOOL_TEXT });
          return { id: DEMO_MODEL_ID, contextSize: 4096 };
        },
        onUnexpectedExit: (name, code, signal) => {
          // While starting, bootstrap notices a dead engine itself and up stops everything below.
          if (stopping || stack === undefined) return;
          const log = stack.services.logFiles()[name];
          process.stderr.write(`\nSLM-Copilot: ${name} exited unexpectedly (${signal ?? `exit ${code}`}):\n${logTail(log)}\nlog: ${log}\n`);
          void stop(1);
        },
      });
    } catch (e) {
      process.stderr.write(`slm-copilot up: ${(e as Error).message}\n`);
      await stack?.stop();
      return 1;
    }
    if (!stack.configure.ok) {
      process.stderr.write(`\nslm-copilot up: configuration failed:\n${formatIssues(stack.configure.issues)}\n`);
      await stack.stop();
      return 1;
    }
    if (stack.bootstrap?.ok !== true) {
      const logs = stack.services.logFiles();
      process.stderr.write(
        `\nslm-copilot up: bootstrap failed:\n${formatIssues(stack.bootstrap?.issues ?? [])}\n\nengine log (${logs.engine}):\n${logTail(logs.engine)}\nnginx log: ${logs.nginx}\n`,
      );
      await stack.stop();
      return 1;
    }
    const reportText = await stack.reportText();
    const e = (await collectReport(stack.fs, { issues: [], cpuinfo: undefined, now: new Date(), sshTarget: undefined })).endpoint;
    say('');
    say('================ SLM-Copilot is up ================');
    if (e !== undefined) {
      say(`  Endpoint:  ${e.url}`);
      say(`  Model:     ${e.modelId} (context ${e.contextSize} tokens)`);
      say(`  API key:   ${e.apiKey}`);
      if (e.caFile !== undefined) say(`  CA:        ${e.caFile} (self-signed: clients must trust this file)`);
      say('');
      say('Full report: client settings for Cline and Continue, a curl to paste, OPENAI_* exports:');
      say('');
    }
    say(reportText);
    say(`The report is also in ${stack.fs.real(PATHS.report)}; logs in ${stack.fs.real('/var/log')}.`);
    say('Press Ctrl-C to stop.');
    return new Promise<number>(() => {});
  },
});

/** The last lines of a log, indented, for a failure message. */
function logTail(path: string): string {
  const tail = fileTail(path, 12).trimEnd();
  return tail === ''
    ? '  (no log)'
    : tail
        .split('\n')
        .map((l) => `  | ${l}`)
        .join('\n');
}

/** `up --engines N`: the scale-out service on loopback (plain HTTP edge on loopback; the VM edge adds TLS). */
async function runScaleOut(
  engines: number,
  model: string | undefined,
  rootOption: string | undefined,
  port: number | undefined,
): Promise<number> {
  const { mkdir } = await import('node:fs/promises');
  const { startScaleOutStack } = await import('../../appliance/local/scale-out-stack.ts');
  const { DEMO_AFTER_TOOL_TEXT, DEMO_TEXT } = await import('../../engine/demo-model.ts');
  const { makeModel } = await import('../../modelgen/make-model.ts');
  const root = resolve(rootOption ?? join(process.cwd(), '.slm-copilot-local'), 'scale-out');
  await mkdir(root, { recursive: true, mode: 0o700 });
  const say = (line: string) => process.stdout.write(`${line}\n`);
  let modelPath = model === undefined ? undefined : resolve(model);
  if (modelPath === undefined) {
    modelPath = join(root, 'demo.gguf');
    if (!existsSync(modelPath)) {
      say('[up] no model given: generating a small demo model (it only proves the plumbing; use --model for a real one)');
      await makeModel({ kind: 'scripted', out: modelPath, text: DEMO_TEXT, afterToolText: DEMO_AFTER_TOOL_TEXT });
    }
  }
  say(`SLM-Copilot: starting an edge and ${engines} engine(s) in ${root}`);
  const stack = await startScaleOutStack({
    dir: root,
    engines,
    modelPath,
    cliCommand: selfCliCommand(),
    ...(port !== undefined ? { edgePort: port } : {}),
    echo: (line) => say(`  ${line}`),
  });
  // The edge VM re-reads OneGate on a timer; so does this one.
  const timer = setInterval(() => void stack.discover().catch(() => undefined), 5_000);
  const stop = async () => {
    clearInterval(timer);
    say('\nSLM-Copilot: stopping the edge and the engines…');
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  say('');
  say('================ SLM-Copilot scale-out is up ================');
  say(`  Endpoint:  ${stack.url}/v1   (loopback, plain HTTP)`);
  say(`  API key:   ${stack.publicKey}`);
  for (const e of stack.view().engines) say(`  engine vm ${e.vmId}: ${e.address ?? '-'} ${e.state} since ${e.since}`);
  say(`  Fake OneGate: ${stack.oneGate.endpoint}/service`);
  say('Press Ctrl-C to stop.');
  return new Promise<number>(() => {});
}
