/**
 * Reads /run/one-context/one_env as DATA: lines of `export NAME="value"` written by one-context's
 * loc-16-gen-env. It is never sourced or executed; only the quoting one-context produces is understood
 * (double quotes with backslash escapes, single quotes, bare words). Anything else is skipped.
 */

const LINE_RE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

export function parseOneEnv(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = LINE_RE.exec(lines[i]!);
    if (m === null) continue;
    const name = m[1]!;
    let rest = m[2]!;
    // A double-quoted value may span lines (a multi-line context value); join until it closes.
    if (rest.startsWith('"')) {
      while (!closesDoubleQuote(rest) && i + 1 < lines.length) rest += `\n${lines[++i]}`;
    } else if (rest.startsWith("'")) {
      while (rest.indexOf("'", 1) === -1 && i + 1 < lines.length) rest += `\n${lines[++i]}`;
    }
    const value = unquote(rest);
    if (value !== undefined) vars[name] = value;
  }
  return vars;
}

function closesDoubleQuote(s: string): boolean {
  for (let i = 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return true;
  }
  return false;
}

/** Shell-style unquoting of one word; undefined when it is not a single well-formed word. */
function unquote(s: string): string | undefined {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '"') {
      i++;
      while (i < s.length && s[i] !== '"') {
        // Inside double quotes a backslash only escapes $ ` " \ and newline.
        if (s[i] === '\\' && i + 1 < s.length && '$`"\\\n'.includes(s[i + 1]!)) {
          if (s[i + 1] !== '\n') out += s[i + 1];
          i += 2;
        } else out += s[i++];
      }
      if (i >= s.length) return undefined;
      i++;
    } else if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end === -1) return undefined;
      out += s.slice(i + 1, end);
      i = end + 1;
    } else if (c === '\\' && i + 1 < s.length) {
      out += s[i + 1];
      i += 2;
    } else if (c === ' ' || c === '\t' || c === ';' || c === '#') {
      return s.slice(i).trim() === '' || s.slice(i).trimStart().startsWith('#') ? out : undefined;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
