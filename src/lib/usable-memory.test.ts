import assert from 'node:assert/strict';
import { it } from 'node:test';
import { cgroupMemoryLimit, type MemoryProbe, usableMemoryBytes } from './usable-memory.ts';

const GiB = 1024 ** 3;
const probe = (files: Record<string, string>, total = 24 * GiB): MemoryProbe => ({
  readText: (path) => files[path],
  totalBytes: () => total,
});

it('takes the tightest cgroup v2 memory.max along the path, "max" meaning none', () => {
  const p = probe({
    '/proc/self/cgroup': '0::/system.slice/slm-copilot.service\n',
    '/sys/fs/cgroup/memory.max': 'max\n',
    '/sys/fs/cgroup/system.slice/memory.max': `${16 * GiB}\n`,
    '/sys/fs/cgroup/system.slice/slm-copilot.service/memory.max': 'max\n',
  });
  assert.equal(cgroupMemoryLimit(p), 16 * GiB);
  assert.equal(usableMemoryBytes(p), 16 * GiB);
});

it('reads cgroup v1 memory.limit_in_bytes and ignores its "unlimited" value', () => {
  const v1 = (limit: string) =>
    probe({ '/proc/self/cgroup': '4:memory:/docker/abc\n', '/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes': limit });
  assert.equal(usableMemoryBytes(v1(`${8 * GiB}`)), 8 * GiB);
  assert.equal(usableMemoryBytes(v1('9223372036854771712')), 24 * GiB);
});

it('is the machine total without cgroups, and never more than it', () => {
  assert.equal(usableMemoryBytes(probe({})), 24 * GiB);
  const p = probe({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/memory.max': `${64 * GiB}` });
  assert.equal(usableMemoryBytes(p), 24 * GiB);
});
