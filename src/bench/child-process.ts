/** Helpers for the benchmark's child processes: readiness polling, clean stops by pid. */
import type { ChildProcess } from 'node:child_process';

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true; fails early when the child exits, or after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  child: ChildProcess,
  timeoutMs: number,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  while (Date.now() < deadline) {
    if (spawnError !== undefined) throw new Error(`${what} could not be started: ${spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output()}`);
    }
    if (await check().catch(() => false)) return;
    await delay(100);
  }
  throw new Error(`${what} was not ready after ${timeoutMs} ms:\n${output()}`);
}

/**
 * Stop functions of every child still running, so that an interrupted benchmark (Ctrl-C, SIGTERM)
 * never leaves a server or nginx behind.
 */
const live = new Set<() => Promise<void>>();

export function trackChild(stop: () => Promise<void>): () => void {
  live.add(stop);
  return () => live.delete(stop);
}

export async function stopAllChildren(): Promise<void> {
  await Promise.all([...live].map((stop) => stop().catch(() => undefined)));
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

/** Keeps the last `limit` characters a child wrote, for error messages. */
export function tail(limit = 4000): { push(chunk: Buffer | string): void; text(): string } {
  let text = '';
  return {
    push(chunk) {
      text = (text + chunk.toString()).slice(-limit);
    },
    text: () => text,
  };
}
