/**
 * Whether the persisted appliance CA can stay. Clients install it as their trust anchor, so a new CA
 * means every client must trust a new file: it is replaced only when it cannot work any more, never
 * because the VM's names changed (only the server certificate follows those).
 */
import type { CertificateInfo } from './certificate-info.ts';
import { SELF_SIGNED_KEY_TYPE } from './self-signed-decision.ts';

export type ExistingCa =
  | { state: 'missing' }
  | { state: 'unreadable'; error: string }
  | { state: 'present'; info: CertificateInfo; isCa: boolean; keyMatches: boolean };

export type CaDecision = { regenerate: false } | { regenerate: true; reason: string };

const DAY_MS = 86_400_000;

export function decideApplianceCa(existing: ExistingCa, now: Date, renewBeforeDays: number): CaDecision {
  if (existing.state === 'missing') return { regenerate: true, reason: 'no appliance CA yet' };
  if (existing.state === 'unreadable') return { regenerate: true, reason: `appliance CA unreadable (${existing.error})` };
  const { info } = existing;
  if (!existing.keyMatches) return { regenerate: true, reason: 'appliance CA private key missing or not matching the CA certificate' };
  if (!existing.isCa || !info.selfSigned) return { regenerate: true, reason: 'the CA file is not a self-signed CA certificate' };
  if (info.keyType !== SELF_SIGNED_KEY_TYPE)
    return { regenerate: true, reason: `CA key type ${info.keyType}, wanted ${SELF_SIGNED_KEY_TYPE}` };
  if (info.notAfter.getTime() - now.getTime() < renewBeforeDays * DAY_MS) {
    return { regenerate: true, reason: `appliance CA expires on ${info.notAfter.toISOString()}, within ${renewBeforeDays} days` };
  }
  // Made while the clock ran ahead (first boot before NTP): no client accepts it yet.
  if (info.notBefore.getTime() > now.getTime() + 5 * 60_000) {
    return { regenerate: true, reason: `appliance CA not valid before ${info.notBefore.toISOString()} (clock changed?)` };
  }
  return { regenerate: false };
}
