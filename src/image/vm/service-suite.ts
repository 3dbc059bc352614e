/**
 * The scale-out service checks (service-checks.ts) as node:test tests against one edge VM and one engine
 * VM of the test image: `slm-copilot image test --service` runs this file with `node --test` (options in
 * SLM_COPILOT_VM_SUITE) and prints the result table it records. Both VMs share a private L2 segment over
 * a loopback socket and one strict fake OneGate serving them as a OneFlow service (each its own VMID and
 * token). A blocking check's failure skips the rest.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { internalCredential } from '../../appliance/scale-out/internal-credential.ts';
import { freePort } from '../../lib/free-port.ts';
import { GuestOneGate } from './guest-onegate.ts';
import type { CheckResult } from './result-table.ts';
import { SERVICE_CHECKS, type ServiceUnderTest } from './service-checks.ts';
import { ServiceVm } from './service-vm.ts';
import { generateSshKey } from './ssh.ts';
import { suiteOptionsFromEnv, writeSuiteResults } from './suite-io.ts';

const options = suiteOptionsFromEnv(process.env);
await rm(options.workDir, { recursive: true, force: true });
await mkdir(options.workDir, { recursive: true });
const sshKey = await generateSshKey(options.workDir, join(options.workDir, 'test.log'));
const base = 100 + (randomBytes(2).readUInt16BE() % 9000);
const [edgeId, engineId] = [String(base), String(base + 1)];
const oneGate = await GuestOneGate.startService({ edge: [edgeId], engine: [engineId] });
const apiKey = `sk-servicetest${randomBytes(18).toString('hex')}`;
const segmentPort = await freePort();
const shared = { apiKey, sshKey, oneGate };
const privateMask = '255.255.255.0';
const service: ServiceUnderTest = {
  edge: await ServiceVm.create(
    options,
    {
      role: 'edge',
      vmId: edgeId,
      mac: '52:54:00:5c:0c:11',
      privateNic: { mac: '02:00:c0:a8:96:02', side: 'listen', port: segmentPort },
      privateIp: '192.168.150.2',
      privateMask,
      memoryMiB: 2048,
    },
    shared,
  ),
  engine: await ServiceVm.create(
    options,
    {
      role: 'engine',
      vmId: engineId,
      mac: '52:54:00:5c:0c:12',
      privateNic: { mac: '02:00:c0:a8:96:03', side: 'connect', port: segmentPort },
      privateIp: '192.168.150.3',
      privateMask,
      memoryMiB: options.memoryMiB,
    },
    shared,
  ),
  oneGate,
  apiKey,
  credential: internalCredential({ serviceCredential: undefined, apiKey }),
  bootTimeoutMs: options.bootTimeoutMs,
  model: 'default',
};
const checks: CheckResult[] = [];
let blockedBy: string | undefined;

after(async () => {
  await Promise.all([service.engine.stop(), service.edge.stop()]);
  await oneGate.close();
});

for (const check of SERVICE_CHECKS) {
  test(check.name, async (t) => {
    const record = async (result: Omit<CheckResult, 'name'>) => {
      checks.push({ name: check.name, ...result });
      await writeSuiteResults(options.workDir, { bootToReadySeconds: undefined, checks });
    };
    if (blockedBy !== undefined) {
      await record({ outcome: 'not run', seconds: 0, detail: `blocked: ${blockedBy}` });
      return t.skip(`blocked: ${blockedBy}`);
    }
    process.stderr.write(`… ${check.name}\n`);
    const started = performance.now();
    try {
      const detail = await check.run(service);
      await record({ outcome: 'pass', seconds: (performance.now() - started) / 1000, detail });
      process.stderr.write(`  pass ${((performance.now() - started) / 1000).toFixed(1)}s: ${detail}\n`);
      t.diagnostic(detail);
    } catch (error) {
      await record({ outcome: 'FAIL', seconds: (performance.now() - started) / 1000, detail: (error as Error).message });
      if (check.blocking) blockedBy = `${check.name} failed`;
      throw error;
    }
  });
}
