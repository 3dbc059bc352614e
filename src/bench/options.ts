/** `slm-copilot bench` options, parsed once at the edge. */
import { UsageError } from '../lib/errors.ts';
import { flagOption, intOption, type OptionValues, textOption } from '../lib/options.ts';
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
  /** Prompt size of the flash-attention rows (a long agent prompt). */
  longPrefillTokens: number;
  /** Cold/follow-up pairs in the prefix-reuse section. */
  prefixRepeat: number;
  /** Concurrent stream counts for the aggregate section. */
  streams: number[];
  quick: boolean;
  /** Only the disk prefix-cache rows (issue 11). */
  prefixCacheOnly: boolean;
  skipNginx: boolean;
  json: boolean;
  nginx: string;
}

export const benchOptions = {
  model: textOption({ placeholder: 'FILE', description: 'GGUF model', defaultText: "the generated 'bench' model, ~440 MB, cached" }),
  threads: intOption({ min: 1, max: 256, description: 'llama.cpp threads for both sides', defaultText: 'usable CPUs - 1, min 1' }),
  'context-size': intOption({ min: 256, max: 131072, description: 'context per sequence', defaultText: '4096; quick 2048' }),
  tokens: intOption({ min: 2, max: 4096, description: 'generated tokens per decode run', defaultText: '128; quick 24' }),
  repeat: intOption({ min: 1, max: 100, description: 'decode runs per side, interleaved A B A B', defaultText: '5; quick 2' }),
  'prefix-tokens': intOption({
    min: 16,
    max: 100000,
    description: 'minimum size of the prefix-reuse conversation',
    defaultText: '2000; quick 300',
  }),
  'long-prefill-tokens': intOption({
    min: 64,
    max: 131072,
    description: 'minimum prompt of the flash-attention rows',
    defaultText: '6000; quick 400',
  }),
  quick: flagOption({ description: 'small model and few tokens: checks that everything runs, figures are meaningless' }),
  'prefix-cache-only': flagOption({ description: 'run only the disk prefix-cache rows (interleaved, new task, restart, disk)' }),
  'skip-nginx': flagOption({ description: 'leave out the nginx + TLS row' }),
  nginx: textOption({ placeholder: 'BINARY', description: 'nginx executable', default: 'nginx' }),
  json: flagOption({ description: 'machine-readable results on stdout (progress goes to stderr)' }),
};

/** Fills in the defaults that depend on --quick and checks what no single option can. */
export function resolveBenchOptions(values: OptionValues<typeof benchOptions>): BenchOptions {
  const quick = values.quick;
  const contextSize = values['context-size'] ?? (quick ? 2048 : 4096);
  const prefixTokens = values['prefix-tokens'] ?? (quick ? 300 : 2000);
  if (prefixTokens + 64 > contextSize) {
    throw new UsageError([{ field: '--prefix-tokens', message: 'must leave at least 64 tokens of --context-size free' }]);
  }
  return {
    modelPath: values.model,
    threads: values.threads ?? defaultThreadCount(),
    contextSize,
    tokens: values.tokens ?? (quick ? 24 : 128),
    repeat: values.repeat ?? (quick ? 2 : 5),
    prefixTokens,
    longPrefillTokens: values['long-prefill-tokens'] ?? (quick ? 400 : 6000),
    prefixRepeat: quick ? 1 : 2,
    streams: [1, 2, 4],
    quick,
    prefixCacheOnly: values['prefix-cache-only'],
    skipNginx: values['skip-nginx'],
    json: values.json,
    nginx: values.nginx,
  };
}
