/**
 * Tool-call ids. OpenAI clients accept any string; Mistral formats that put ids in the prompt
 * (`[CALL_ID]`) were trained on, and their templates insist on, exactly 9 alphanumerics.
 */
import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const NINE_ALNUM = /^[A-Za-z0-9]{9}$/;

function alphanumerics(bytes: Uint8Array, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[(bytes[i] as number) % ALPHABET.length];
  return out;
}

/** An OpenAI-style tool-call id: `call_` + 24 alphanumerics. */
export function newToolCallId(): string {
  return `call_${alphanumerics(randomBytes(24), 24)}`;
}

/**
 * The 9-alphanumeric id the engine writes for a new call in a `[CALL_ID]` format, derived from `seed` (the
 * prompt and the call's position): the id is part of the model's context for the arguments that follow, so a
 * random one would make the same greedy request answer differently each time.
 */
export function derivedNineCharCallId(seed: string): string {
  return alphanumerics(createHash('sha256').update(`new-call\0${seed}`).digest(), 9);
}

/**
 * The 9-alphanumeric id a `[CALL_ID]` prompt shows for a client's id. An id already in that shape is kept
 * (so ids the engine handed out come back unchanged); any other is hashed, so the same conversation
 * renders the same prompt on every request and the slot's cached prefix stays valid.
 */
export function nineCharCallIdFor(clientId: string): string {
  if (NINE_ALNUM.test(clientId)) return clientId;
  return alphanumerics(createHash('sha256').update(clientId).digest(), 9);
}
