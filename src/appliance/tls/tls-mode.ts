/**
 * How the edge gets its certificate (`ONEAPP_COPILOT_TLS_MODE`), which is also the kind of certificate
 * it ends up serving: letsencrypt falls back to self-signed when certbot fails; custom serves the operator's
 * own certificate (ONEAPP_COPILOT_TLS_CERT/_TLS_KEY) once openssl has checked it.
 */
import { z } from 'zod';

export const TLS_MODES = ['self-signed', 'letsencrypt', 'custom'] as const;

export type TlsMode = (typeof TLS_MODES)[number];

export const tlsModeSchema = z.enum(TLS_MODES);

export function isTlsMode(value: string): value is TlsMode {
  return (TLS_MODES as readonly string[]).includes(value);
}
