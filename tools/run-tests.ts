/**
 * `npm test`: type-check, format and lint check, then every unit and integration test with node:test, one file at a time
 * (the tests run real llama.cpp inference and real nginx; on 2 cores parallel files only add noise).
 * The VM acceptance suite runs first when the machine can boot VMs with KVM, so node:test's summary ends the output.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

function step(title: string, command: string, args: string[]): void {
  process.stdout.write(`\n== ${title}\n`);
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) {
    process.stdout.write(`\n== FAILED: ${title} (exit ${result.status ?? result.signal})\n`);
    process.exit(result.status ?? 1);
  }
}

const only = process.argv.slice(2);
const vmSuite = only.length === 0 && existsSync('/dev/kvm');
if (only.length === 0 && !vmSuite) {
  // Said first, so the test runner's own summary stays the last thing CI prints.
  process.stdout.write(
    '== VM acceptance suite skipped: /dev/kvm does not exist on this machine (no KVM); run it by hand with `slm-copilot image test --accel tcg`.\n',
  );
}
step('typecheck', 'tsc', ['-p', 'tsconfig.json', '--noEmit']);
step('format and lint (biome check; fix with `npm run format`)', 'biome', ['check', '.']);
if (vmSuite) step('VM acceptance (slm-copilot image test)', process.execPath, ['src/cli/main.ts', 'image', 'test']);
const files = only.length > 0 ? only : ['src/**/*.test.ts', 'test/**/*.test.ts'];
step('tests', process.execPath, ['--test', '--test-concurrency=1', '--test-timeout=600000', ...files]);
