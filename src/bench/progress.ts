/** Progress lines on stderr (so that `--json` keeps stdout clean), and a per-process CPU-time probe. */
import { readFileSync } from 'node:fs';

export type Progress = (line: string) => void;

export const stderrProgress: Progress = (line) => process.stderr.write(`[bench] ${line}\n`);

/** CPU time (user + system, ms) a process has used so far, from /proc; NaN when unavailable. */
export function cpuTimeMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" that ends the command name; utime and stime are the 12th and 13th of them.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN;
  }
}
