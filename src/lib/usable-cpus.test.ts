import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CpuProbe, defaultThreadCount, parseCpuMax, usableCpus } from './usable-cpus.ts';

function probe(affinity: number, files: Record<string, string>): CpuProbe {
  return { affinityCount: () => affinity, readText: (p) => files[p] };
}

test('cpu.max parsing', () => {
  assert.equal(parseCpuMax('max 100000\n'), undefined);
  assert.equal(parseCpuMax('150000 100000\n'), 1.5);
  assert.equal(parseCpuMax('200000 100000'), 2);
});

test('no cgroup limit: affinity decides', () => {
  assert.equal(usableCpus(probe(6, { '/proc/self/cgroup': '0::/user.slice\n' })), 6);
  assert.equal(defaultThreadCount(probe(2, {})), 1);
  assert.equal(defaultThreadCount(probe(1, {})), 1);
});

test('cgroup v2 quota on an ancestor caps the count and rounds down', () => {
  const files = {
    '/proc/self/cgroup': '0::/system.slice/slm.service\n',
    '/sys/fs/cgroup/system.slice/cpu.max': '250000 100000\n',
    '/sys/fs/cgroup/system.slice/slm.service/cpu.max': 'max 100000\n',
  };
  assert.equal(usableCpus(probe(8, files)), 2);
  assert.equal(defaultThreadCount(probe(8, files)), 1);
});

test('affinity tighter than quota wins', () => {
  const files = { '/proc/self/cgroup': '0::/a\n', '/sys/fs/cgroup/a/cpu.max': '400000 100000' };
  assert.equal(usableCpus(probe(3, files)), 3);
});

test('cgroup v1 quota', () => {
  const files = {
    '/proc/self/cgroup': '4:cpu,cpuacct:/docker/x\n',
    '/sys/fs/cgroup/cpu,cpuacct/docker/x/cpu.cfs_quota_us': '300000',
    '/sys/fs/cgroup/cpu,cpuacct/docker/x/cpu.cfs_period_us': '100000',
  };
  assert.equal(usableCpus(probe(16, files)), 3);
});
