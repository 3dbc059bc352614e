/**
 * What `slm-copilot image test` and the node:test process running the suite exchange: the options go
 * in through one environment variable (parsed at the edge), the results come back as a JSON file in the
 * work directory, written after every check so a crash still leaves what was measured.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../lib/atomic-write.ts';
import type { CheckResult } from './result-table.ts';
import type { SessionOptions } from './vm-session.ts';

export const SUITE_OPTIONS_ENV = 'SLM_COPILOT_VM_SUITE';

const optionsSchema = z.object({
  image: z.string().min(1),
  accel: z.enum(['kvm', 'tcg']),
  workDir: z.string().min(1),
  cpus: z.number().int().min(1),
  memoryMiB: z.number().int().min(1024),
  bootTimeoutMs: z.number().int().min(1000),
});

const resultsSchema = z.object({
  bootToReadySeconds: z.number().optional(),
  checks: z.array(z.object({ name: z.string(), outcome: z.enum(['pass', 'FAIL', 'not run']), seconds: z.number(), detail: z.string() })),
});

export type SuiteResults = z.infer<typeof resultsSchema>;

export function suiteEnv(options: SessionOptions): Record<string, string> {
  return { [SUITE_OPTIONS_ENV]: JSON.stringify(options satisfies z.input<typeof optionsSchema>) };
}

export function suiteOptionsFromEnv(env: NodeJS.ProcessEnv): SessionOptions {
  const text = env[SUITE_OPTIONS_ENV];
  if (text === undefined) throw new Error(`${SUITE_OPTIONS_ENV} is not set: run the VM acceptance suite with \`slm-copilot image test\``);
  const parsed = optionsSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`${SUITE_OPTIONS_ENV}: ${issues}`);
  }
  return parsed.data;
}

const resultsFile = (workDir: string) => join(workDir, 'results.json');

export async function writeSuiteResults(
  workDir: string,
  results: { bootToReadySeconds: number | undefined; checks: CheckResult[] },
): Promise<void> {
  const data: SuiteResults = {
    checks: results.checks,
    ...(results.bootToReadySeconds !== undefined ? { bootToReadySeconds: results.bootToReadySeconds } : {}),
  };
  await writeFileAtomic(resultsFile(workDir), `${JSON.stringify(data, null, 2)}\n`, { mode: 0o644 });
}

/** The results the suite recorded; undefined when it recorded none (it failed before its first check). */
export async function readSuiteResults(workDir: string): Promise<SuiteResults | undefined> {
  const text = await readFile(resultsFile(workDir), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : resultsSchema.parse(JSON.parse(text));
}
