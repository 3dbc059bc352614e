/**
 * Deterministic benchmark inputs. Every prompt starts with a salt so that no two runs share a cached
 * prefix unless the benchmark wants them to (the server reuses any common prefix of a slot's tokens).
 */

export interface BenchMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

const CODE_LINES = [
  'export function parsePort(text: string): number {',
  '  const port = Number.parseInt(text, 10);',
  '  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`bad port ${text}`);',
  '  return port;',
  '}',
  'interface RetryPolicy { attempts: number; backoffMs: number; jitter: boolean }',
  'async function withRetry<T>(work: () => Promise<T>, policy: RetryPolicy): Promise<T> {',
  '  for (let attempt = 1; ; attempt++) {',
  '    try { return await work(); } catch (error) { if (attempt >= policy.attempts) throw error; }',
  '    await new Promise((resolve) => setTimeout(resolve, policy.backoffMs * attempt));',
  '  }',
  '}',
  'const cache = new Map<string, { value: string; expires: number }>();',
  'def read_config(path):\n    with open(path, encoding="utf-8") as handle:\n        return yaml.safe_load(handle)',
  'SELECT id, name, created_at FROM projects WHERE owner_id = $1 ORDER BY created_at DESC LIMIT 20;',
];

const QUESTIONS = [
  'Why does the retry helper never give up when attempts is zero?',
  'Add a unit test for parsePort covering the edge cases.',
  'Refactor the cache so entries expire lazily on read.',
  'Explain what the SQL query returns for a user without projects.',
  'Can you make read_config fail with a clear message when the file is missing?',
];

/** A short single-turn chat used for decode measurements. */
export function decodeMessages(salt: string): BenchMessage[] {
  return [
    { role: 'system', content: `Session ${salt}. Be concise.` },
    { role: 'user', content: QUESTIONS[1]! },
  ];
}

/**
 * An agent-like conversation: a long system prompt (tool docs, rules) followed by `turns` user/assistant
 * exchanges quoting code. Roughly 2.5 characters per token with the generated models' tokenizer.
 */
export function conversation(salt: string, turns: number, systemRepeats: number): BenchMessage[] {
  const rules: string[] = [];
  for (let i = 0; i < systemRepeats; i++) {
    rules.push(`Rule ${i + 1}: ${CODE_LINES[i % CODE_LINES.length]} -- keep edits minimal and explain why.`);
  }
  const messages: BenchMessage[] = [
    { role: 'system', content: `Session ${salt}. You are an autonomous coding agent.\n${rules.join('\n')}` },
  ];
  for (let t = 0; t < turns; t++) {
    const code = CODE_LINES.slice(t % 10, (t % 10) + 3).join('\n');
    messages.push({ role: 'user', content: `${QUESTIONS[t % QUESTIONS.length]}\n\n\`\`\`\n${code}\n\`\`\`` });
    messages.push({ role: 'assistant', content: `Step ${t + 1}: I read the code above.\n${code.split('\n').reverse().join('\n')}` });
  }
  messages.push({ role: 'user', content: 'Now summarise the open problems in one paragraph.' });
  return messages;
}

/** The short extra turn an agent appends on its next request. */
export const FOLLOW_UP_TURN = 'Thanks. Apply the first fix and show only the changed function.';
