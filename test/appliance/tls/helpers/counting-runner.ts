/**
 * The real system runner, recording each command it runs: "not regenerated" / "reused" is then proven
 * by no process having run, not only by equal files.
 */
import { type CommandRunner, systemCommandRunner } from '../../../../src/lib/command-runner.ts';

export function countingRunner(): CommandRunner & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    run(command, args, options) {
      calls.push([command, ...args]);
      return systemCommandRunner.run(command, args, options);
    },
  };
}
