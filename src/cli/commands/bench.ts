/** `slm-copilot bench`: server vs raw node-llama-cpp, prefix reuse, concurrency, nginx + TLS edge. */
import { generatedModelPath, modelCacheDir } from '../../bench/bench-model.ts';
import { stopAllChildren } from '../../bench/child-process.ts';
import { BENCH_USAGE, parseBenchArgs } from '../../bench/options.ts';
import { stderrProgress } from '../../bench/progress.ts';
import { renderTable } from '../../bench/report.ts';
import { runBench } from '../../bench/run-bench.ts';
import { SlmError } from '../../lib/errors.ts';
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
      options.modelPath ?? (await generatedModelPath(options.quick ? 'tiny' : 'bench', modelCacheDir(process.env), stderrProgress));
    // Ctrl-C / SIGTERM: stop the server, nginx and the raw worker before exiting.
    const onSignal = (signal: NodeJS.Signals) => {
      stderrProgress(`${signal}: stopping child processes`);
      void stopAllChildren().finally(() => process.exit(130));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    let report: Awaited<ReturnType<typeof runBench>>;
    try {
      report = await runBench({ options, modelPath, progress: stderrProgress });
    } catch (error) {
      // Benchmark failures are plain Errors with a useful message (a child's output, an HTTP status).
      if (error instanceof SlmError || !(error instanceof Error)) throw error;
      process.stderr.write(`slm-copilot bench: ${error.message}\n`);
      return 1;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderTable(report));
    return 0;
  },
};
