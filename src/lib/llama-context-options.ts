/**
 * The llama.cpp context settings the engine serves with; the benchmark's raw baseline uses the same, so
 * "server vs raw" compares our server, not two configurations.
 *
 * Flash attention: without it llama.cpp materialises the attention scores (window × batch × heads, f32)
 * for every layer. Measured on the generated `agent` model (Devstral's 4:1 head layout), a 14,000-token
 * prefill in a 131,072-token window grew the process by 401 MiB and took 45.5 s with it off, 29 MiB and
 * 30.9 s with it on; for Devstral's 32 heads the scores alone reach ~1.6 GiB at 14k tokens. The CPU
 * backend supports it, so it is always on.
 */
export function llamaContextOptions(contextSize: number): { batchSize: number; flashAttention: boolean } {
  return { batchSize: Math.min(512, contextSize), flashAttention: true };
}
