/**
 * Verification of a draft token against the model's distribution p at that position, by the standard
 * speculative-sampling rule (Leviathan et al. 2023; Chen et al. 2023). Prompt lookup is a deterministic
 * draft (q = 1 on the drafted token), so the rule becomes: accept the draft d with probability p(d);
 * otherwise sample from the residual max(0, p − q) normalised, which is p with d removed. The output
 * token is then distributed exactly as p, with or without a draft.
 */
import type { Token } from 'node-llama-cpp';

export interface Verdict {
  token: Token;
  /** The output is the draft token (so the evaluation that followed it stays valid). */
  accepted: boolean;
}

/** Samples from `p` (a token → probability map, not necessarily normalised), skipping `exclude`. */
export function sampleFrom(p: ReadonlyMap<Token, number>, rng: () => number, exclude?: Token): Token | undefined {
  let total = 0;
  for (const [token, prob] of p) if (token !== exclude && prob > 0) total += prob;
  if (total <= 0) return undefined;
  let u = rng() * total;
  let last: Token | undefined;
  for (const [token, prob] of p) {
    if (token === exclude || prob <= 0) continue;
    last = token;
    u -= prob;
    if (u < 0) return token;
  }
  return last;
}

/** One position: `draft` undefined samples plainly from p (the bonus token after a fully accepted draft). */
export function verifyDraftToken(p: ReadonlyMap<Token, number>, draft: Token | undefined, rng: () => number): Verdict | undefined {
  if (draft !== undefined) {
    const pd = p.get(draft) ?? 0;
    if (pd > 0 && rng() < pd) return { token: draft, accepted: true };
    const token = sampleFrom(p, rng, draft);
    if (token !== undefined) return { token, accepted: false };
    // p is all on the draft (rounding): the draft is the only possible output.
    return pd > 0 ? { token: draft, accepted: true } : undefined;
  }
  const token = sampleFrom(p, rng);
  return token === undefined ? undefined : { token, accepted: false };
}
