/**
 * A structural check of the Packer recipe (packer itself is not installable here): HCL blocks with
 * balanced braces, variables declared ⇔ used, and every script the recipe references present.
 * Deliberately small: comments and quoted strings are skipped, so braces inside `${…}` do not count.
 */

export interface HclBlock {
  type: string;
  labels: string[];
  body: string;
  children: HclBlock[];
}

/** Removes comments, keeping strings (and line breaks) intact. */
export function stripComments(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end - 1;
    } else if (c === '#' || (c === '/' && text[i + 1] === '/')) {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new Error('unterminated /* comment');
      out += text.slice(i, end + 2).replace(/[^\n]/g, ' ');
      i = end + 1;
    } else out += c;
  }
  return out;
}

function stringEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') i++;
    else if (c === '$' && text[i + 1] === '{') {
      depth++;
      i++;
    } else if (c === '}' && depth > 0) depth--;
    else if (c === '"' && depth === 0) return i + 1;
    else if (c === '\n' && depth === 0) throw new Error(`unterminated string at offset ${start}`);
  }
  throw new Error(`unterminated string at offset ${start}`);
}

/** Parses the blocks (`type "label"… { … }`) of an HCL body; attributes are left in `body`. */
export function parseBlocks(source: string): HclBlock[] {
  const text = stripComments(source);
  const blocks: HclBlock[] = [];
  const header = /([A-Za-z_][A-Za-z0-9_-]*)((?:\s+"[^"\n]*")*)\s*\{/y;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      i = stringEnd(text, i);
      continue;
    }
    if (c === '}') throw new Error(`unbalanced "}" at offset ${i}`);
    if (/[A-Za-z_]/.test(c) && (i === 0 || /[\s{}]/.test(text[i - 1]!))) {
      header.lastIndex = i;
      const m = header.exec(text);
      // `name = {` is an attribute holding an object, not a block.
      if (m !== null && !/=\s*$/.test(text.slice(Math.max(0, i - 40), i))) {
        const open = header.lastIndex - 1;
        const close = matchingBrace(text, open);
        const body = text.slice(open + 1, close);
        blocks.push({ type: m[1]!, labels: [...m[2]!.matchAll(/"([^"]*)"/g)].map((x) => x[1]!), body, children: parseBlocks(body) });
        i = close + 1;
        continue;
      }
    }
    if (c === '{' || c === '[') {
      i = matchingBrace(text, i) + 1;
      continue;
    }
    i++;
  }
  return blocks;
}

function matchingBrace(text: string, open: number): number {
  const pairs: Record<string, string> = { '{': '}', '[': ']' };
  const stack = [pairs[text[open]!]!];
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') i = stringEnd(text, i) - 1;
    else if (c === '{' || c === '[') stack.push(pairs[c]!);
    else if (c === '}' || c === ']') {
      if (stack.pop() !== c) throw new Error(`mismatched "${c}" at offset ${i}`);
      if (stack.length === 0) return i;
    }
  }
  throw new Error(`unclosed "${text[open]}" at offset ${open}`);
}

export function usedVariables(source: string): Set<string> {
  return new Set([...stripComments(source).matchAll(/\bvar\.([A-Za-z_][A-Za-z0-9_-]*)/g)].map((m) => m[1]!));
}

export function declaredVariables(blocks: readonly HclBlock[]): Set<string> {
  return new Set(blocks.filter((b) => b.type === 'variable').map((b) => b.labels[0]!));
}

/** Files referenced as `${var.input_dir}/<file>` (scripts, gen_context). */
export function referencedInputFiles(source: string): Set<string> {
  return new Set([...source.matchAll(/\$\{var\.input_dir\}\/([A-Za-z0-9_./-]+)/g)].map((m) => m[1]!).filter((f) => !f.includes('${')));
}

export function attribute(body: string, name: string): string | undefined {
  return new RegExp(`^\\s*${name}\\s*=\\s*(.+)$`, 'm').exec(body)?.[1]?.trim();
}
