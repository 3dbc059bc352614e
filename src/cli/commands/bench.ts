/** `slm-copilot bench`: server vs raw node-llama-cpp, prefix reuse, concurrency, nginx + TLS edge. */
import { generatedModelPath, modelCacheDir } from '../../bench/bench-model.ts';
import { BENCH_USAGE, parseBenchArgs } from '../../bench/options.ts';
import { stderrProgress } from '../../bench/progress.ts';
import { renderTable } from '../../bench/report.ts';
import { runBench } from '../../bench/run-bench.ts';
import type { CliCommand } from '../main.ts';

export const benchCommand: CliCommand = {
  summary: 'Benchmark the server against raw node-llama-cpp (decode, TTFT, prefix reuse, concurrency, nginx TLS)',
  async run(argv) {
    const options = parseBenchArgs(argv);
    if (options === 'help') {
      process.stdout.write(BENCH_USAGE);
      return 0;
    }
    const modelPath =
      options.modelPath ??
      (await generatedModelPath(options.quick ? 'tiny' : 'bench', modelCacheDir(process.env), stderrProgress));
    const report = await runBench({ options, modelPath, progress: stderrProgress });
    process.stdout.write(options.json ? JSON.stringify(report, null, 2) + '\n' : renderTable(report));
    return 0;
  },
};
