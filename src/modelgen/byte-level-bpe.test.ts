import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BYTE_SYMBOLS, encodePiece, fromByteSymbols, mergeRanks, preTokenize, toByteSymbols, trainBpe } from './byte-level-bpe.ts';
import { baseVocabulary, CONTROL_TOKENS, TokenType } from './vocabulary.ts';

test('byte symbols are 256 distinct printable characters; text round-trips through them', () => {
  assert.equal(new Set(BYTE_SYMBOLS).size, 256);
  assert.equal(BYTE_SYMBOLS[0x20], 'Ġ');
  assert.equal(BYTE_SYMBOLS[0x0a], 'Ċ');
  assert.equal(BYTE_SYMBOLS[0x41], 'A');
  for (const text of ['plain', ' space\tand\nnewline', 'héllo wörld', '🙂 日本語', '\u0000\u007f']) {
    assert.equal(fromByteSymbols(toByteSymbols(text)), text);
  }
});

test('the GPT-2 pre-tokenizer keeps all text', () => {
  const text = "It's 42 o'clock!  x = foo(bar) \n\n  done";
  assert.equal(preTokenize(text).join(''), text);
  assert.deepEqual(preTokenize("it's a test"), ['it', "'s", ' a', ' test']);
});

test('training is deterministic and encoding reassembles each piece', () => {
  const corpus = 'the cat sat on the mat; the cat ate the rat. then the cat sat.';
  const merges = trainBpe(corpus, 50);
  assert.deepEqual(trainBpe(corpus, 50), merges);
  assert.ok(merges.length > 5);
  // Counted by hand: "at" occurs 8 times (cat ×3, sat ×2, mat, ate, rat), more than any other pair.
  assert.deepEqual(merges[0], ['a', 't']);
  const ranks = mergeRanks(merges);
  for (const piece of preTokenize(corpus)) assert.equal(encodePiece(piece, ranks).join(''), toByteSymbols(piece));
  assert.deepEqual(encodePiece(' the', ranks), ['Ġthe']);
});

test('the base vocabulary: controls first, then all bytes, no merge result shadows a control token', () => {
  const v = baseVocabulary();
  assert.deepEqual(v.tokens.slice(0, CONTROL_TOKENS.length), [...CONTROL_TOKENS]);
  assert.deepEqual(v.tokens.slice(CONTROL_TOKENS.length, CONTROL_TOKENS.length + 256), [...BYTE_SYMBOLS]);
  assert.equal(new Set(v.tokens).size, v.tokens.length);
  assert.ok(v.merges.length > 100);
  for (const [a, b] of v.merges) assert.equal(v.types[v.idOf.get(a + b)!], TokenType.NORMAL);
});
