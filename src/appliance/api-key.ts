/**
 * The API key is state, not configuration: generated once when the operator gives none, persisted 0600
 * under /var/lib/slm-copilot, reused on every boot, replaced only when the operator sets a new value.
 * Deciding (decideApiKey) is separate from writing (persistApiKey), so an invalid configuration can
 * never rotate or lose the key.
 */
import { randomInt } from 'node:crypto';
import type { ApplianceFs } from './appliance-fs.ts';
import { PATHS } from './layout.ts';

/** What a key may look like, generated or configured: safe in nginx maps, headers and files. */
export const API_KEY_PATTERN = /^[A-Za-z0-9._-]{16,256}$/;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `sk-` + 48 random letters/digits (≈285 bits), drawn without modulo bias. */
export function generateApiKey(): string {
  let key = 'sk-';
  for (let i = 0; i < 48; i++) key += ALPHABET[randomInt(ALPHABET.length)];
  return key;
}

export interface KeyDecision {
  key: string;
  /** generated: new random key; kept: persisted key reused; configured: the operator's value. */
  source: 'generated' | 'kept' | 'configured';
  /** Whether the persisted key file must be (re)written. */
  changed: boolean;
}

/** Decides the key from the configured value and the persisted one, without writing anything. */
export function decideApiKey(configured: string | undefined, persisted: string | undefined): KeyDecision {
  if (configured !== undefined) return { key: configured, source: 'configured', changed: configured !== persisted };
  if (persisted !== undefined && persisted !== '') return { key: persisted, source: 'kept', changed: false };
  return { key: generateApiKey(), source: 'generated', changed: true };
}

export async function readPersistedApiKey(fs: ApplianceFs): Promise<string | undefined> {
  const text = await fs.readText(PATHS.apiKey);
  const key = text?.trim();
  return key === undefined || !API_KEY_PATTERN.test(key) ? undefined : key;
}

/** The key the local engine accepts (the API key standalone, the internal credential on a scale-out engine). */
export async function readEngineKey(fs: ApplianceFs): Promise<string | undefined> {
  return (await fs.readText(PATHS.engineKey))?.trim() || undefined;
}

export async function persistApiKey(fs: ApplianceFs, key: string): Promise<boolean> {
  return fs.write(PATHS.apiKey, `${key}\n`, 0o600);
}
