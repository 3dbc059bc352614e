/**
 * The engine's hardened systemd unit: a dedicated user, no privileges, read-only system and models,
 * the key it accepts handed over by LoadCredential= (the key file itself stays 0600 root).
 */
import { ENGINE_SERVE_ARGS } from './engine-settings.ts';

export interface EngineUnitInput {
  cliPath: string;
  user: string;
  settingsFile: string;
  /** The key the engine accepts (API key, or the internal credential on a scale-out engine). */
  engineKeyFile: string;
  modelsDir: string;
  configDir: string;
}

export function renderEngineUnit(input: EngineUnitInput): string {
  return [
    '# SLM-Copilot inference engine. Written by `slm-copilot install`/`configure`.',
    '[Unit]',
    'Description=SLM-Copilot inference engine (OpenAI-compatible, behind nginx)',
    'After=network.target',
    '',
    '[Service]',
    'Type=exec',
    `User=${input.user}`,
    `Group=${input.user}`,
    `EnvironmentFile=${input.settingsFile}`,
    'Environment=NODE_ENV=production',
    // ProtectSystem=strict leaves nothing writable; a private cache dir for anything a library caches.
    'CacheDirectory=slm-copilot-engine',
    'Environment=XDG_CACHE_HOME=%C/slm-copilot-engine',
    // The prefix cache (model.yaml prefix_cache.dir): owned by the engine user, kept across reboots.
    'StateDirectory=slm-copilot/prefix-cache',
    'StateDirectoryMode=0700',
    `LoadCredential=engine-key:${input.engineKeyFile}`,
    `ExecStart=${input.cliPath} ${ENGINE_SERVE_ARGS.join(' ')}`,
    'Restart=on-failure',
    'RestartSec=5',
    // Shutdown writes every slot's KV state to the prefix cache (≈1 GB per 6k Devstral tokens) after the grace period.
    'TimeoutStopSec=90',
    'KillMode=mixed',
    'UMask=0077',
    '',
    '# Hardening',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'PrivateDevices=yes',
    `ReadOnlyPaths=${input.modelsDir} ${input.configDir}`,
    'ProtectKernelTunables=yes',
    'ProtectKernelModules=yes',
    'ProtectKernelLogs=yes',
    'ProtectControlGroups=yes',
    'ProtectClock=yes',
    'ProtectHostname=yes',
    'ProtectProc=invisible',
    'RestrictNamespaces=yes',
    'RestrictRealtime=yes',
    'RestrictSUIDSGID=yes',
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
    'LockPersonality=yes',
    'SystemCallArchitectures=native',
    'CapabilityBoundingSet=',
    'AmbientCapabilities=',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
