/**
 * One image, three roles. `standalone` is the single-VM appliance; in a OneFlow service one `edge` VM
 * (TLS, key, limits, report, balancer; no model) fronts N `engine` VMs (model only, private network,
 * internal credential). The role decides which services a VM runs, never how they are configured.
 */
export const APPLIANCE_ROLES = ['standalone', 'edge', 'engine'] as const;
export type ApplianceRole = (typeof APPLIANCE_ROLES)[number];

export function isApplianceRole(value: string): value is ApplianceRole {
  return (APPLIANCE_ROLES as readonly string[]).includes(value);
}

export interface RoleDuties {
  /** Loads a model and serves inference. */
  runsEngine: boolean;
  /** Terminates TLS with the public API key, rate limits, writes the report. */
  runsEdge: boolean;
  /** The edge balances over engines discovered through OneGate instead of its local engine. */
  discoversEngines: boolean;
  /** The engine accepts only the internal credential (never the public key) on the private address. */
  internalCredentialOnly: boolean;
}

export function roleDuties(role: ApplianceRole): RoleDuties {
  switch (role) {
    case 'standalone':
      return { runsEngine: true, runsEdge: true, discoversEngines: false, internalCredentialOnly: false };
    case 'edge':
      return { runsEngine: false, runsEdge: true, discoversEngines: true, internalCredentialOnly: false };
    case 'engine':
      return { runsEngine: true, runsEdge: false, discoversEngines: false, internalCredentialOnly: true };
  }
}
