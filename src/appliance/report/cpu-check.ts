/** AVX2 decides whether llama.cpp runs at full speed; without it the VM most likely lacks CPU passthrough. */

export interface CpuCheck {
  avx2: boolean;
  /** Undefined when everything is fine. */
  warning: string | undefined;
}

export function checkCpu(cpuinfo: string | undefined): CpuCheck {
  if (cpuinfo === undefined) return { avx2: false, warning: 'could not read /proc/cpuinfo to check for AVX2' };
  const flags = new Set(
    cpuinfo
      .split('\n')
      .filter((l) => /^flags\s*:/.test(l))
      .flatMap((l) => l.split(':')[1]!.trim().split(/\s+/)),
  );
  if (flags.has('avx2')) return { avx2: true, warning: undefined };
  return {
    avx2: false,
    warning:
      'this CPU does not expose AVX2: inference will be many times slower. In OpenNebula set the VM template to CPU_MODEL=[MODEL="host-passthrough"] and redeploy.',
  };
}
