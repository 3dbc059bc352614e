/**
 * A JSON string that is none of the given names: the key of an additional property must not repeat a
 * declared one, or the declared property's schema would apply to it. Built as a trie over the names:
 * at each prefix the next character may leave the trie (then anything may follow), follow a branch,
 * or end the key where the prefix is not itself a name. Keys are written without escapes (a subset)
 * so that `"\u0061"` cannot spell a declared `"a"`.
 */
import { charClass, type GbnfRules, literal } from './gbnf.ts';

interface TrieNode {
  children: Map<string, TrieNode>;
  terminal: boolean;
}

/** A character allowed unescaped inside a JSON string. */
function isPlain(ch: string): boolean {
  const cp = ch.codePointAt(0) as number;
  return ch !== '"' && ch !== '\\' && cp >= 0x20;
}

export function keyNotIn(rules: GbnfRules, names: readonly string[], stem: string): string {
  const root: TrieNode = { children: new Map(), terminal: false };
  // A name with a quote, backslash or control character cannot be spelled without escapes: unreachable.
  for (const name of names.filter((n) => [...n].every(isPlain))) {
    let node = root;
    for (const ch of name) {
      let next = node.children.get(ch);
      if (next === undefined) {
        next = { children: new Map(), terminal: false };
        node.children.set(ch, next);
      }
      node = next;
    }
    node.terminal = true;
  }
  const plain = rules.share('key-char', '[^"\\\\\\x00-\\x1f]');
  const free = rules.share('key-rest', `${plain}* "\\""`);
  const nodeRule = (node: TrieNode, prefix: string): string => {
    const name = rules.reserve(`${stem}-key-${prefix.length}`);
    const options = [`${charClass(['"', '\\', ...node.children.keys()], true, '\\x00-\\x1f')} ${free}`];
    for (const [ch, next] of node.children) options.push(`${literal(ch)} ${nodeRule(next, prefix + ch)}`);
    if (!node.terminal) options.push('"\\""');
    rules.set(name, options.join(' | '));
    return name;
  };
  return rules.share(`${stem}-key`, `"\\"" ${nodeRule(root, '')}`);
}
