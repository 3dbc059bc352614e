/** `slm-copilot bench` options, parsed once at the edge. */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError } from '../lib/errors.ts';
import { defaultThreadCount } from '../lib/usable-cpus.ts';

export interface BenchOptions {
  /** undefined → the generated `bench` model (`tiny` with --quick), cached. */
  modelPath: string | undefined;
  threads: number;
  contextSize: number;
  tokens: number;
  repeat: number;
  /** Prompt size of the prefix-reuse conversation. */
  prefixTokens: number;
  /** Cold/follow-up pairs in the prefix-reuse section. */
  prefixRepeat: number;
  /** Concurrent stream counts for the aggregate section. */
  streams: number[];
  quick: boolean;
  skipNginx: boolean;
  json: boolean;
  nginx: string;
}

export const BENCH_USAGE = `Usage: slm-copilot bench [options]

Runs our server (slm-copilot serve, as a child process) side by side with raw node-llama-cpp on the same
model file and thread count, then prints a table (or JSON with --json).

Options:
  --model FILE         GGUF model (default: the generated 'bench' model, ~440 MB, cached)
  --threads N          llama.cpp threads for both sides (default: usable CPUs - 1, min 1)
  --context-size N     context per sequence (default 4096; quick 2048)
  --tokens N           generated tokens per decode run (default 128; quick 24)
  --repeat N           decode runs per side, interleaved A B A B (default 5; quick 2)
  --prefix-tokens N    minimum size of the prefix-reuse conversation (default 2000; quick 300)
  --quick              small model and few tokens: checks that everything runs, figures are meaningless
  --skip-nginx         leave out the nginx + TLS row
  --nginx BINARY       nginx executable (default nginx)
  --json               machine-readable results on stdout (progress goes to stderr)
  -h, --help           this text
`;

const positive = z.coerce.number().int().positive();

export function parseBenchArgs(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      model: { type: 'string' },
      threads: { type: 'string' },
      'context-size': { type: 'string' },
      tokens: { type: 'string' },
      repeat: { type: 'string' },
      'prefix-tokens': { type: 'string' },
      quick: { type: 'boolean', default: false },
      'skip-nginx': { type: 'boolean', default: false },
      nginx: { type: 'string', default: 'nginx' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  const quick = values.quick;
  const schema = z.object({
    threads: positive.max(256),
    contextSize: positive.min(256).max(131072),
    tokens: positive.min(2).max(4096),
    repeat: positive.max(100),
    prefixTokens: positive.min(16).max(100000),
  });
  const parsed = schema.safeParse({
    threads: values.threads ?? defaultThreadCount(),
    contextSize: values['context-size'] ?? (quick ? 2048 : 4096),
    tokens: values.tokens ?? (quick ? 24 : 128),
    repeat: values.repeat ?? (quick ? 2 : 5),
    prefixTokens: values['prefix-tokens'] ?? (quick ? 300 : 2000),
  });
  if (!parsed.success) {
    const names: Record<string, string> = { contextSize: '--context-size', prefixTokens: '--prefix-tokens' };
    throw new ConfigError(
      parsed.error.issues.map((i) => ({ field: names[String(i.path[0])] ?? `--${String(i.path[0])}`, message: i.message })),
    );
  }
  const o = parsed.data;
  if (o.prefixTokens + 64 > o.contextSize) {
    throw new ConfigError([{ field: '--prefix-tokens', message: 'must leave at least 64 tokens of --context-size free' }]);
  }
  return {
    modelPath: values.model,
    ...o,
    prefixRepeat: quick ? 1 : 2,
    streams: [1, 2, 4],
    quick,
    skipNginx: values['skip-nginx'],
    json: values.json,
    nginx: values.nginx,
  };
}
