/**
 * How many CPUs this process may really use: the smaller of its affinity mask and its cgroup CPU quota.
 * node-llama-cpp's own detection ignores both and oversubscribes small VMs (35–700× slower on 2 vCPUs),
 * so thread counts are always derived from here and passed explicitly.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export interface CpuProbe {
  /** CPUs in the affinity mask (libuv reads sched_getaffinity on Linux). */
  affinityCount(): number;
  /** Text of a file, or undefined when it does not exist or cannot be read. */
  readText(path: string): string | undefined;
}

export const systemCpuProbe: CpuProbe = {
  affinityCount: () => availableParallelism(),
  readText: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
};

/** CPU quota of the process's cgroup as a fractional CPU count, or undefined when unlimited. */
export function cgroupCpuLimit(probe: CpuProbe): number | undefined {
  const membership = probe.readText('/proc/self/cgroup') ?? '';
  const limits: number[] = [];
  for (const line of membership.split('\n')) {
    const [, controllers, path] = line.split(':');
    if (path === undefined || controllers === undefined) continue;
    const dirs = ancestors(path);
    if (controllers === '') {
      // cgroup v2: every ancestor's cpu.max can cap us; the tightest one wins.
      for (const dir of dirs) {
        const max = probe.readText(`/sys/fs/cgroup${dir}/cpu.max`);
        const limit = max === undefined ? undefined : parseCpuMax(max);
        if (limit !== undefined) limits.push(limit);
      }
    } else if (controllers.split(',').includes('cpu')) {
      for (const base of ['/sys/fs/cgroup/cpu,cpuacct', '/sys/fs/cgroup/cpu']) {
        for (const dir of dirs) {
          const quota = Number(probe.readText(`${base}${dir}/cpu.cfs_quota_us`));
          const period = Number(probe.readText(`${base}${dir}/cpu.cfs_period_us`));
          if (quota > 0 && period > 0) limits.push(quota / period);
        }
      }
    }
  }
  return limits.length === 0 ? undefined : Math.min(...limits);
}

/** Parses cgroup v2 `cpu.max` ("max 100000" or "150000 100000"). */
export function parseCpuMax(text: string): number | undefined {
  const [quota, period] = text.trim().split(/\s+/);
  if (quota === undefined || quota === 'max') return undefined;
  const q = Number(quota);
  const p = Number(period ?? '100000');
  return q > 0 && p > 0 ? q / p : undefined;
}

/** Whole CPUs usable by this process (at least 1). A fractional quota rounds down: 1.5 CPUs → 1 thread. */
export function usableCpus(probe: CpuProbe = systemCpuProbe): number {
  const affinity = Math.max(1, probe.affinityCount());
  const quota = cgroupCpuLimit(probe);
  return Math.max(1, Math.min(affinity, quota === undefined ? affinity : Math.floor(quota)));
}

/** The default inference thread count: usable CPUs − 1 (min 1), leaving a core for HTTP and nginx. */
export function defaultThreadCount(probe: CpuProbe = systemCpuProbe): number {
  return threadCountFor(usableCpus(probe));
}

/** defaultThreadCount's rule for a CPU count known otherwise (the appliance plan's machine facts). */
export function threadCountFor(usableCpuCount: number): number {
  return Math.max(1, usableCpuCount - 1);
}

/** A cgroup path and its ancestors, root first: a limit on any of them applies to the process. */
export function ancestors(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  const dirs = [''];
  for (let i = 1; i <= parts.length; i++) dirs.push(`/${parts.slice(0, i).join('/')}`);
  return dirs;
}
