/**
 * How much RAM this process may really use: the machine's, or less when its cgroup is capped (a
 * container, a systemd MemoryMax=). Sizing the KV cache from os.totalmem() alone would let llama.cpp
 * allocate past a cgroup limit and be OOM-killed at the first long prompt.
 */
import { totalmem } from 'node:os';
import { ancestors, type CpuProbe, systemCpuProbe } from './usable-cpus.ts';

export type MemoryProbe = Pick<CpuProbe, 'readText'> & { totalBytes(): number };

export const systemMemoryProbe: MemoryProbe = { readText: systemCpuProbe.readText, totalBytes: () => totalmem() };

/** The tightest memory limit of the process's cgroups (v2 memory.max, v1 memory.limit_in_bytes), if any. */
export function cgroupMemoryLimit(probe: MemoryProbe): number | undefined {
  const limits: number[] = [];
  for (const line of (probe.readText('/proc/self/cgroup') ?? '').split('\n')) {
    const [, controllers, path] = line.split(':');
    if (path === undefined || controllers === undefined) continue;
    const files =
      controllers === ''
        ? ancestors(path).map((dir) => `/sys/fs/cgroup${dir}/memory.max`)
        : controllers.split(',').includes('memory')
          ? ancestors(path).map((dir) => `/sys/fs/cgroup/memory${dir}/memory.limit_in_bytes`)
          : [];
    for (const file of files) {
      const value = Number(probe.readText(file)?.trim());
      // "max" (v2) is NaN; v1 writes a huge page-aligned number for "unlimited".
      if (Number.isFinite(value) && value > 0 && value < 2 ** 60) limits.push(value);
    }
  }
  return limits.length === 0 ? undefined : Math.min(...limits);
}

export function usableMemoryBytes(probe: MemoryProbe = systemMemoryProbe): number {
  const limit = cgroupMemoryLimit(probe);
  return limit === undefined ? probe.totalBytes() : Math.min(probe.totalBytes(), limit);
}
