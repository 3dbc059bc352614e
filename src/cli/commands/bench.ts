/** `slm-copilot bench`: server vs raw node-llama-cpp, prefix reuse, concurrency, nginx + TLS edge. */

import { ROUTING_MODES, type RoutingMode } from '../../appliance/scale-out/engine-upstream.ts';
import { benchOptions, resolveBenchOptions } from '../../bench/options.ts';
import { choiceOption, flagOption, textOption } from '../../lib/options.ts';
import { defineCommand } from '../command.ts';

export const benchCommand = defineCommand('bench', {
  summary: 'Benchmark the server against raw node-llama-cpp (decode, TTFT, prefix reuse, concurrency, nginx TLS)',
  description: `Runs our server (slm-copilot serve, as a child process) side by side with raw node-llama-cpp on the same
model file and thread count, then prints a table (or JSON with --json).`,
  options: {
    ...benchOptions,
    'scale-out': flagOption({
      description:
        'scale-out rows instead: 3 engines behind the edge, conversation hash vs round-robin vs least-conn, 3 vs 1 engines, kill -9',
    }),
    'scale-out-turns': choiceOption(['together', 'one-by-one', 'both'], {
      default: 'both',
      description: 'with --scale-out: send each round of turns all at once, one at a time, or both',
    }),
    'scale-out-routing': textOption({
      placeholder: 'LIST',
      default: ROUTING_MODES.join(','),
      description: 'with --scale-out: the balancers to compare, comma-separated',
      check: (list) => {
        const bad = list.split(',').filter((m) => !(ROUTING_MODES as readonly string[]).includes(m));
        return bad.length === 0 ? undefined : `unknown ${bad.join(', ')} (allowed: ${ROUTING_MODES.join(', ')})`;
      },
    }),
  },
  async run(values, { env }) {
    const options = resolveBenchOptions(values);
    if (values['scale-out']) {
      const { generatedModelPath, modelCacheDir } = await import('../../bench/bench-model.ts');
      const { stderrProgress } = await import('../../bench/progress.ts');
      const { renderScaleOutTable, runScaleOutBench } = await import('../../bench/scale-out-bench.ts');
      const { selfCliCommand } = await import('./up.ts');
      const modelPath =
        options.modelPath ?? (await generatedModelPath(options.quick ? 'tiny' : 'bench', modelCacheDir(env), stderrProgress));
      const report = await runScaleOutBench({
        modelPath,
        cliCommand: selfCliCommand(),
        engines: 3,
        pacings: values['scale-out-turns'] === 'both' ? ['together', 'one-by-one'] : [values['scale-out-turns']],
        routings: values['scale-out-routing'].split(',') as RoutingMode[],
        conversations: 6,
        followUps: 2,
        slotsPerEngine: 3,
        // ≥ 2k tokens per conversation before its follow-ups (the size), room for the follow-ups.
        systemRepeats: options.quick ? 20 : 30,
        taskRepeats: options.quick ? 4 : 6,
        contextSize: Math.max(options.contextSize, 8192),
        tokens: options.tokens,
        progress: stderrProgress,
      });
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderScaleOutTable(report));
      return 0;
    }
    const { generatedModelPath, modelCacheDir } = await import('../../bench/bench-model.ts');
    const { stopAllChildren } = await import('../../bench/child-process.ts');
    const { stderrProgress } = await import('../../bench/progress.ts');
    const { renderTable } = await import('../../bench/report.ts');
    const { runBench } = await import('../../bench/run-bench.ts');
    const { copyModelPath } = await import('../../bench/sections/speculative.ts');
    const modelPath = options.modelPath ?? (await generatedModelPath(options.quick ? 'tiny' : 'bench', modelCacheDir(env), stderrProgress));
    // Ctrl-C / SIGTERM: stop the server, nginx and the raw worker before exiting.
    const onSignal = (signal: NodeJS.Signals) => {
      stderrProgress(`${signal}: stopping child processes`);
      void stopAllChildren().finally(() => process.exit(130));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const copyModel = await copyModelPath(modelCacheDir(env), stderrProgress);
      const report = await runBench({ options, modelPath, copyModelPath: copyModel, progress: stderrProgress });
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderTable(report));
      return 0;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
});
