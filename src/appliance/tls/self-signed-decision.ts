/**
 * Whether the persisted self-signed certificate can stay. Pure, so every branch is unit-tested with
 * an injected clock: clients pin this certificate (`--cacert`, Cline's trust store), so it is only
 * replaced for a reason the report can state.
 */

import type { CertificateInfo } from './certificate-info.ts';
import { type CertificateNames, diffCertificateNames } from './certificate-names.ts';

export const SELF_SIGNED_KEY_TYPE = 'ec/prime256v1';

export type ExistingCertificate =
  | { state: 'missing' }
  | { state: 'unreadable'; error: string }
  /** `issuedByCa`: signed by the current appliance CA (false for a certificate from before the CA). */
  | { state: 'present'; info: CertificateInfo; keyMatches: boolean; issuedByCa: boolean };

export interface SelfSignedDecisionInput {
  existing: ExistingCertificate;
  wanted: CertificateNames;
  now: Date;
  /** Regenerate when the certificate expires within this many days. */
  renewBeforeDays: number;
}

export type SelfSignedDecision = { regenerate: false } | { regenerate: true; reason: string };

const DAY_MS = 86_400_000;

export function decideSelfSignedCertificate(input: SelfSignedDecisionInput): SelfSignedDecision {
  const { existing, wanted, now } = input;
  if (existing.state === 'missing') return { regenerate: true, reason: 'no certificate yet' };
  if (existing.state === 'unreadable') return { regenerate: true, reason: `existing certificate unreadable (${existing.error})` };
  const { info, keyMatches } = existing;
  if (!keyMatches) return { regenerate: true, reason: 'private key missing or not matching the certificate' };
  if (!existing.issuedByCa) return { regenerate: true, reason: 'not signed by the appliance CA' };
  if (info.keyType !== SELF_SIGNED_KEY_TYPE) {
    return { regenerate: true, reason: `key type ${info.keyType}, wanted ${SELF_SIGNED_KEY_TYPE}` };
  }
  const { added, removed } = diffCertificateNames(wanted, info.names);
  if (added.length > 0 || removed.length > 0) {
    const parts = [];
    if (added.length > 0) parts.push(`added ${added.join(', ')}`);
    if (removed.length > 0) parts.push(`removed ${removed.join(', ')}`);
    return { regenerate: true, reason: `names changed: ${parts.join('; ')}` };
  }
  if (info.notAfter.getTime() <= now.getTime()) {
    return { regenerate: true, reason: `expired on ${info.notAfter.toISOString()}` };
  }
  if (info.notAfter.getTime() - now.getTime() < input.renewBeforeDays * DAY_MS) {
    return { regenerate: true, reason: `expires on ${info.notAfter.toISOString()}, within ${input.renewBeforeDays} days` };
  }
  // A certificate made while the clock ran ahead (first boot before NTP) is rejected by every client.
  if (info.notBefore.getTime() > now.getTime() + 5 * 60_000) {
    return { regenerate: true, reason: `not valid before ${info.notBefore.toISOString()} (clock changed?)` };
  }
  return { regenerate: false };
}
