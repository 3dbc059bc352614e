/**
 * Runs `slm-copilot serve` as a child process, exactly as an operator would, so that the benchmark
 * measures the real server (HTTP layer, scheduler, SSE) and not a library call.
 */
import { fileURLToPath } from 'node:url';
import { freePort } from '../lib/free-port.ts';
import { startProcess } from '../lib/process/start-process.ts';
import { WaitTimeoutError, waitUntil } from '../lib/process/wait-until.ts';
import { trackChild } from './child-process.ts';
import { type Endpoint, getText, makeEndpoint, servedModelId } from './stream-client.ts';

export interface ServerSettings {
  modelPath: string;
  threads: number;
  contextSize: number;
  parallel: number;
  queue: number;
  /** File holding the API key (the key itself never goes on argv). */
  apiKeyFile: string;
  apiKey: string;
  /** Disk tier of the prefix cache; undefined = slots only. */
  prefixCacheDir?: string;
}

/** What the server logged about one finished chat request (its own view of the timings). */
export interface EngineRecord {
  tokPerSec?: number;
  ttftMs?: number;
  promptMs?: number;
  generatedTokens?: number;
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
  /** The server's own log records of finished chat requests, in order. */
  readonly records: readonly EngineRecord[];
  stop(): Promise<void>;
}

const MAIN = fileURLToPath(new URL('../cli/main.ts', import.meta.url));

export async function startServer(settings: ServerSettings, readyTimeoutMs = 180_000): Promise<RunningServer> {
  const port = await freePort();
  const args = [
    MAIN,
    'serve',
    '--model',
    settings.modelPath,
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--threads',
    String(settings.threads),
    '--context-size',
    String(settings.contextSize),
    '--parallel',
    String(settings.parallel),
    '--queue',
    String(settings.queue),
    '--api-key-file',
    settings.apiKeyFile,
    ...(settings.prefixCacheDir === undefined ? [] : ['--prefix-cache-dir', settings.prefixCacheDir]),
  ];
  const started = Date.now();
  // Drain the request logs (an unread pipe would eventually block the server) and keep the server's
  // own per-request timings, which split a gap into engine time and HTTP/client time.
  const records: EngineRecord[] = [];
  let partial = '';
  const onStdout = (text: string) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.includes('"/v1/chat/completions"')) continue;
      try {
        const r = JSON.parse(line) as EngineRecord & { msg?: string; status?: number };
        if (r.msg === 'request' && r.status === 200) records.push(r);
      } catch {
        // not a JSON log line
      }
    }
  };
  const proc = await startProcess(process.execPath, args, { name: 'slm-copilot serve', onStdout });
  const endpoint = makeEndpoint(`http://127.0.0.1:${port}`, { apiKey: settings.apiKey });
  const stop = async () => {
    untrack();
    await proc.stop({ graceMs: 15_000 });
    endpoint.agent.destroy();
  };
  const untrack = trackChild(stop);
  try {
    await waitUntil('slm-copilot serve to answer /readyz', async () => (await getText(endpoint, '/readyz')).status === 200, {
      timeoutMs: readyTimeoutMs,
      intervalMs: 100,
      retryErrors: true,
      signal: proc.exitSignal,
      state: () => proc.output().slice(-6000),
    });
    const modelId = await servedModelId(endpoint);
    return {
      port,
      pid: proc.pid,
      endpoint,
      modelId,
      settings,
      startMs: Date.now() - started,
      logTail: () => proc.output().slice(-6000),
      records,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The server's record of the request that finished after `before` records; waits briefly for the log line. */
export async function nextRecord(server: RunningServer, before: number): Promise<EngineRecord | undefined> {
  return waitUntil('the log line of the finished request', () => server.records[before], { timeoutMs: 500, intervalMs: 25 }).catch(
    (error: unknown) => {
      if (error instanceof WaitTimeoutError) return undefined;
      throw error;
    },
  );
}
