/**
 * API keys come from a file (one per line; blank lines and `#` comments skipped) and/or the
 * environment — never from argv, where `ps` would show them.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../lib/errors.ts';

export function parseKeyLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** Keys from `--api-key-file` and `SLM_COPILOT_API_KEY` (comma or newline separated), deduplicated. */
export function loadApiKeys(file: string | undefined, envValue: string | undefined): string[] {
  const keys: string[] = [];
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError([
        { field: '--api-key-file', message: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` },
      ]);
    }
    const fromFile = parseKeyLines(text);
    if (fromFile.length === 0) throw new ConfigError([{ field: '--api-key-file', message: `${file} contains no key` }]);
    keys.push(...fromFile);
  }
  if (envValue !== undefined) keys.push(...parseKeyLines(envValue.replace(/,/g, '\n')));
  for (const key of keys) {
    if (/\s/.test(key)) throw new ConfigError([{ field: 'API key', message: 'a key must not contain whitespace' }]);
  }
  return [...new Set(keys)];
}
