import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Token } from 'node-llama-cpp';
import { TokenTextDecoder } from './token-text-decoder.ts';

// A fake byte-level vocabulary: token n is byte n.
const detokenize = (tokens: readonly Token[]): string => Buffer.from(tokens.map(Number)).toString('utf8');
const bytes = (s: string): Token[] => [...Buffer.from(s, 'utf8')].map((b) => b as Token);

describe('TokenTextDecoder', () => {
  it('emits whole characters only, even when a character spans several tokens', () => {
    const d = new TokenTextDecoder(detokenize);
    const out = bytes('a€😀b').map((t) => d.push(t));
    assert.deepEqual(out, ['a', '', '', '€', '', '', '', '😀', 'b']);
    assert.equal(d.flush(), '');
  });

  it('gives up after four tokens of invalid bytes instead of holding forever', () => {
    const d = new TokenTextDecoder(detokenize);
    const out = [0xff, 0xff, 0xff, 0xff].map((t) => d.push(t as Token));
    assert.deepEqual(out.slice(0, 3), ['', '', '']);
    assert.ok(out[3]?.includes('\uFFFD'));
  });
});
