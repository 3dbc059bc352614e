/**
 * `npm test`: type-check, format and lint check, then every unit and integration test with node:test, one file at a time
 * (the tests run real llama.cpp inference and real nginx; on 2 cores parallel files only add noise).
 * The VM acceptance suite (the only test that boots what we ship) runs first, under whatever accelerator works:
 * `image test --accel auto` boots the image once under KVM and falls back to TCG, saying why (about 10 minutes
 * to build the image plus about 10 under TCG). Then the scale-out service test on the same cached image
 * (`image test --service`: an edge VM and an engine VM on a private network, about 7 minutes under TCG).
 * node:test's summary ends the output.
 * SLM_COPILOT_SKIP_VM_SUITE=1 skips it, loudly, for a quick local run.
 */
import { spawnSync } from 'node:child_process';

function step(title: string, command: string, args: string[]): void {
  process.stdout.write(`\n== ${title}\n`);
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) {
    process.stdout.write(`\n== FAILED: ${title} (exit ${result.status ?? result.signal})\n`);
    process.exit(result.status ?? 1);
  }
}

const only = process.argv.slice(2);
const skipVm = process.env['SLM_COPILOT_SKIP_VM_SUITE'] === '1';
const vmSuite = only.length === 0 && !skipVm;
if (only.length === 0 && skipVm) {
  // Said first, so the test runner's own summary stays the last thing CI prints.
  process.stdout.write('== VM acceptance suite SKIPPED (SLM_COPILOT_SKIP_VM_SUITE=1); run it with `slm-copilot image test`.\n');
}
step('typecheck', 'tsc', ['-p', 'tsconfig.json', '--noEmit']);
step('format and lint (biome check; fix with `npm run format`)', 'biome', ['check', '.']);
if (vmSuite)
  step('VM acceptance (slm-copilot image test --accel auto: KVM if a boot check passes, else TCG)', process.execPath, [
    'src/cli/main.ts',
    'image',
    'test',
    '--accel',
    'auto',
  ]);
if (vmSuite)
  step(
    'VM service test (slm-copilot image test --service --accel auto: edge VM + engine VM, private network, fake OneGate)',
    process.execPath,
    ['src/cli/main.ts', 'image', 'test', '--service', '--accel', 'auto'],
  );
const files = only.length > 0 ? only : ['src/**/*.test.ts', 'test/**/*.test.ts'];
step('tests', process.execPath, ['--test', '--test-concurrency=1', '--test-timeout=600000', ...files]);
