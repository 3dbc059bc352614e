/** The part of a bench report every entry point shares: when, on what machine and model, and how busy it was. */
import { statSync } from 'node:fs';
import os from 'node:os';
import { usableCpus } from '../lib/usable-cpus.ts';
import type { BenchConfig, BenchReport, BenchRow } from './report.ts';

export interface BenchStart {
  at: Date;
  /** 1-minute load average when the run began. */
  load: number;
}

export function benchStart(): BenchStart {
  return { at: new Date(), load: os.loadavg()[0] ?? Number.NaN };
}

export type RunConfig = Omit<BenchConfig, 'modelBytes' | 'usableCpus' | 'loadAverage'>;

export function benchReport(
  start: BenchStart,
  config: RunConfig,
  body: { rows: BenchRow[]; details: Record<string, unknown>; notes: string[] },
): BenchReport {
  return {
    tool: 'slm-copilot bench',
    version: 1,
    startedAt: start.at.toISOString(),
    durationMs: Date.now() - start.at.getTime(),
    config: {
      ...config,
      modelBytes: statSync(config.model).size,
      usableCpus: usableCpus(),
      loadAverage: { start: start.load, end: os.loadavg()[0] ?? Number.NaN },
    },
    ...body,
  };
}
