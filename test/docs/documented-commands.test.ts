/**
 * Every `slm-copilot …` command line the README and docs/ show in a shell block parses as the CLI parses it:
 * its command exists, every option is known and its value valid, and cross-option rules hold (a release
 * image build pins its weights). A renamed flag or a new required option breaks the doc, not the operator.
 * Only parsing runs here; what the commands do is tested where they are.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCommand } from '../../src/cli/main.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

interface DocumentedCommand {
  where: string;
  argv: string[];
}

/** Shell words of one command line: quotes, backslash escapes, up to a comment or a `|`, `&&`, `;`, `>`. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) word = (word ?? '') + line[++i];
      else word = (word ?? '') + c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < line.length) word = (word ?? '') + line[++i];
    else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (word === undefined && (c === '#' || c === '|' || c === ';' || c === '>' || c === '&')) break;
    else word = (word ?? '') + c;
  }
  if (quote !== undefined) throw new Error(`unbalanced quote in: ${line}`);
  if (word !== undefined) words.push(word);
  return words;
}

/** The argv after the program (`slm-copilot`, `node src/cli/main.ts`), or undefined when the line runs something else. */
function cliArgv(words: readonly string[]): string[] | undefined {
  let i = 0;
  while (i < words.length && /^[A-Z_][A-Z0-9_]*=/.test(words[i]!)) i++;
  if (words[i] === 'sudo') i++;
  if (words[i] === 'slm-copilot') return words.slice(i + 1);
  if (words[i] === 'npx') i++;
  if (words[i] === 'node') i++;
  return words[i] === 'src/cli/main.ts' ? words.slice(i + 1) : undefined;
}

function documentedCommands(): DocumentedCommand[] {
  const found: DocumentedCommand[] = [];
  for (const file of DOCS) {
    const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
    let shell = false;
    for (let n = 0; n < lines.length; n++) {
      const fence = /^\s*```(\S*)/.exec(lines[n]!);
      if (fence) {
        shell = !shell && ['sh', 'bash', 'shell', 'console'].includes(fence[1]!);
        continue;
      }
      if (!shell) continue;
      const start = n;
      let line = lines[n]!.replace(/^\s*\$ /, '');
      while (line.endsWith('\\') && n + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++n]!.trim()}`;
      const argv = cliArgv(shellWords(line));
      if (argv !== undefined) found.push({ where: `${file}:${start + 1}`, argv });
    }
  }
  return found;
}

test('shell words: quotes, escapes, comments and pipes', () => {
  assert.deepEqual(shellWords(`a "b c" 'd e' f\\ g # h`), ['a', 'b c', 'd e', 'f g']);
  assert.deepEqual(shellWords('x --y=1 | z'), ['x', '--y=1']);
  assert.deepEqual(cliArgv(['A=1', 'sudo', 'npx', 'node', 'src/cli/main.ts', 'up']), ['up']);
  assert.equal(cliArgv(['curl', 'x']), undefined);
});

test('the docs show slm-copilot commands in shell blocks (the check below has something to check)', () => {
  const commands = documentedCommands();
  assert.ok(commands.length >= 10, commands.map((c) => c.where).join(', '));
  assert.ok(commands.some((c) => c.argv[0] === 'image' && c.argv[1] === 'build'));
});

test('every documented slm-copilot command line parses: known command, known options, valid values', async () => {
  const problems: string[] = [];
  for (const { where, argv } of documentedCommands()) {
    const command = await loadCommand(argv[0] ?? '');
    if (command === undefined) {
      problems.push(`${where}: unknown command ${argv[0]}`);
      continue;
    }
    try {
      command.check(argv.slice(1));
    } catch (error) {
      problems.push(`${where}: slm-copilot ${argv.join(' ')}\n    ${(error as Error).message}`);
    }
  }
  assert.deepEqual(problems, []);
});

test('the check is as strict as the CLI: an unknown option and a release build without its pin are refused', async () => {
  const image = await loadCommand('image');
  assert.ok(image);
  assert.throws(() => image.check(['build', '--model', 'x.gguf', '--model-sha265', 'ab']), /model-sha265/);
  assert.throws(() => image.check(['build', '--model', 'x.gguf']), /--model-sha256/);
  assert.doesNotThrow(() => image.check(['build', '--test']));
});
