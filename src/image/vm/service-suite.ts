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
import { after } from 'node:test';
import { internalCredential } from '../../appliance/scale-out/internal-credential.ts';
import { freePort } from '../../lib/free-port.ts';
import { registerCheckTests } from './check-tests.ts';
import { GuestOneGate } from './guest-onegate.ts';
import { SERVICE_CHECKS, type ServiceUnderTest } from './service-checks.ts';
import { ServiceVm } from './service-vm.ts';
import { generateSshKey } from './ssh.ts';
import { suiteOptionsFromEnv } from './suite-io.ts';

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
after(async () => {
  await Promise.all([service.engine.stop(), service.edge.stop()]);
  await oneGate.close();
});

registerCheckTests(SERVICE_CHECKS, service, {
  workDir: options.workDir,
  bootToReadySeconds: () => undefined,
  blocks: (check) => check.blocking,
});
