/**
 * Runs `slm-copilot serve` as a child process, exactly as an operator would, so that the benchmark
 * measures the real server (HTTP layer, scheduler, SSE) and not a library call.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, stopProcess, tail, trackChild, waitUntil } from './child-process.ts';
import { getText, makeEndpoint, servedModelId, type Endpoint } from './stream-client.ts';

export interface ServerSettings {
  modelPath: string;
  threads: number;
  contextSize: number;
  parallel: number;
  queue: number;
  /** File holding the API key (the key itself never goes on argv). */
  apiKeyFile: string;
  apiKey: string;
}

export interface RunningServer {
  readonly port: number;
  readonly pid: number;
  readonly endpoint: Endpoint;
  readonly modelId: string;
  readonly settings: ServerSettings;
  /** Milliseconds from spawn to /readyz 200. */
  readonly startMs: number;
  /** The last lines the server wrote (JSON logs), for error messages. */
  logTail(): string;
  stop(): Promise<void>;
}

const MAIN = fileURLToPath(new URL('../cli/main.ts', import.meta.url));

export async function startServer(settings: ServerSettings, readyTimeoutMs = 180_000): Promise<RunningServer> {
  const port = await freePort();
  const args = [
    MAIN, 'serve',
    '--model', settings.modelPath,
    '--host', '127.0.0.1',
    '--port', String(port),
    '--threads', String(settings.threads),
    '--context-size', String(settings.contextSize),
    '--parallel', String(settings.parallel),
    '--queue', String(settings.queue),
    '--api-key-file', settings.apiKeyFile,
  ];
  const started = Date.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = tail(6000);
  // Drain the request logs; an unread pipe would eventually block the server.
  child.stdout.on('data', (d: Buffer) => output.push(d));
  child.stderr.on('data', (d: Buffer) => output.push(d));
  const endpoint = makeEndpoint(`http://127.0.0.1:${port}`, { apiKey: settings.apiKey });
  const stop = async () => {
    untrack();
    await stopProcess(child, 'SIGTERM', 15_000);
    endpoint.agent.destroy();
  };
  const untrack = trackChild(stop);
  try {
    await waitUntil('slm-copilot serve', async () => (await getText(endpoint, '/readyz')).status === 200, child, readyTimeoutMs, output.text);
    const modelId = await servedModelId(endpoint);
    return { port, pid: child.pid ?? -1, endpoint, modelId, settings, startMs: Date.now() - started, logTail: output.text, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
