/** The end of what a child wrote, for error messages: kept in memory, or read back from its log file. */
import { readFileSync } from 'node:fs';

export interface OutputTail {
  push(chunk: Buffer | string): void;
  text(): string;
}

/** Keeps the last `limit` characters pushed into it. */
export function outputTail(limit = 64_000): OutputTail {
  let text = '';
  return {
    push(chunk) {
      text = (text + chunk.toString()).slice(-limit);
    },
    text: () => text,
  };
}

/** The last `lines` lines of a log file; empty when it cannot be read. */
export function fileTail(path: string, lines = 25): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
