/**
 * The credential the edge presents to the engines. Edge and engines are separate VMs that never exchange
 * secrets (OneGate shows every VM's published attributes to the whole service, so nothing secret goes
 * there): each derives the same value from what the service template gives all of them. A set
 * ONEAPP_COPILOT_SERVICE_CREDENTIAL is used as is; otherwise HMAC-SHA256 of the public API key, so the
 * public key itself never opens an engine and the credential reveals nothing about the key.
 */
import { createHmac } from 'node:crypto';

const DERIVATION_LABEL = 'slm-copilot internal engine credential v1';

export function internalCredential(input: { serviceCredential: string | undefined; apiKey: string | undefined }): string {
  if (input.serviceCredential !== undefined) return input.serviceCredential;
  if (input.apiKey === undefined) throw new Error('no ONEAPP_COPILOT_SERVICE_CREDENTIAL and no ONEAPP_COPILOT_API_KEY to derive it from');
  return `int-${createHmac('sha256', input.apiKey).update(DERIVATION_LABEL).digest('hex')}`;
}
