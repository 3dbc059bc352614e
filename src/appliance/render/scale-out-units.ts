/**
 * The scale-out duty of a service VM, run by a systemd timer: on the edge one discovery pass (OneGate →
 * upstream → `nginx -t` → reload only on change), on an engine one publication of its address, readiness
 * and load through OneGate. A timer rather than a daemon: each pass is a fresh process that reads
 * one_env (the OneGate token) and the state, so a crash or a OneGate outage never leaves a stuck loop.
 * Root: one_env is 0400 root, and the edge reloads nginx.
 */
import { SCALE_OUT_INTERVAL_SECONDS } from '../layout.ts';

export function renderScaleOutService(cliPath: string, stageLock: string): string {
  return [
    '# SLM-Copilot scale-out pass (edge: engine discovery; engine: OneGate publication). Written by `slm-copilot configure`.',
    '[Unit]',
    'Description=SLM-Copilot scale-out pass (OneGate discovery / publication)',
    'After=network-online.target nginx.service slm-copilot.service',
    '',
    '[Service]',
    'Type=oneshot',
    // Never beside a running configure/bootstrap (they hold the one-apps stage lock and do a pass
    // themselves): skip this tick quietly (exit 0) instead of racing them on the same files.
    `ExecStart=/usr/bin/flock -n -E 0 ${stageLock} ${cliPath} scale-out`,
    // A pass is a few HTTP calls; one stuck on an unreachable OneGate must not block the next.
    `TimeoutStartSec=${SCALE_OUT_INTERVAL_SECONDS * 4}`,
    'UMask=0077',
    '',
  ].join('\n');
}

export function renderScaleOutTimer(): string {
  return [
    '# SLM-Copilot scale-out timer. Written by `slm-copilot configure`; enabled only on edge and engine VMs.',
    '[Unit]',
    'Description=SLM-Copilot scale-out pass every few seconds',
    '',
    '[Timer]',
    'OnBootSec=20s',
    `OnUnitActiveSec=${SCALE_OUT_INTERVAL_SECONDS}s`,
    'AccuracySec=1s',
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
}
