import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { getLlama, type Llama, LlamaLogLevel, type LlamaModel, readGgufFileInfo, type Token } from 'node-llama-cpp';
import { encodePiece, mergeRanks, preTokenize } from './byte-level-bpe.ts';
import { DEVSTRAL_CHAT_TEMPLATE } from './devstral-template.ts';
import { ggufFileSize } from './gguf-writer.ts';
import { describeModel, makeModel } from './make-model.ts';
import { baseVocabulary, CONTROL_TOKENS } from './vocabulary.ts';

let dir: string;
let llama: Llama;
let tinyPath: string;
let model: LlamaModel;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'make-model-test-'));
  tinyPath = (await makeModel({ kind: 'tiny', out: join(dir, 'tiny.gguf') })).path;
  llama = await getLlama({ build: 'never', gpu: false, skipDownload: true, maxThreads: 1, logLevel: LlamaLogLevel.error });
  model = await llama.loadModel({ modelPath: tinyPath });
});
after(async () => {
  await model?.dispose();
  await llama?.dispose();
  await rm(dir, { recursive: true, force: true });
});

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

test('generation is deterministic: same inputs give byte-identical files, another seed does not', async () => {
  const again = await makeModel({ kind: 'tiny', out: join(dir, 'again.gguf') });
  assert.equal(again.sha256, sha256(tinyPath));
  assert.equal(again.sha256, sha256(again.path));
  assert.equal(again.bytes, readFileSync(tinyPath).length);
  const other = await makeModel({ kind: 'tiny', out: join(dir, 'other.gguf'), seed: 2 });
  assert.notEqual(other.sha256, again.sha256);
  const q8 = await makeModel({ kind: 'tiny', out: join(dir, 'q8.gguf'), type: 'q8_0' });
  assert.ok(q8.bytes < again.bytes / 2);
  const scripted = await makeModel({ kind: 'scripted', out: join(dir, 's1.gguf'), text: 'Same text.' });
  assert.equal((await makeModel({ kind: 'scripted', out: join(dir, 's2.gguf'), text: 'Same text.' })).sha256, scripted.sha256);
});

test('tiny: llama metadata, Devstral template and tokenizer as node-llama-cpp reads them', async () => {
  const info = await readGgufFileInfo(tinyPath, { logWarnings: false });
  const md = info.metadata;
  assert.equal(md.general.architecture, 'llama');
  assert.equal(md.tokenizer.ggml.model, 'gpt2');
  assert.equal(md.tokenizer.chat_template, DEVSTRAL_CHAT_TEMPLATE);
  assert.equal(info.tensorInfo?.length, 3 + 2 * 9);
  assert.equal(model.trainContextSize, 4096);
  assert.equal(model.fileInsights.totalLayers, 3);
  assert.equal(model.tokens.bos, CONTROL_TOKENS.indexOf('<s>'));
  assert.equal(model.tokens.eos, CONTROL_TOKENS.indexOf('</s>'));
  assert.equal(model.tokens.shouldPrependBosToken, true);
  assert.ok(model.isEogToken(model.tokens.eos!));
});

test('tokenizer: every control token is one id; text round-trips; llama.cpp applies our merges', () => {
  for (const [id, text] of CONTROL_TOKENS.entries()) {
    if (text === '<unk>') continue;
    assert.deepEqual([...model.tokenize(text, true)], [id], text);
    assert.ok(model.tokenize(text, false).length > 1, `${text} as plain text is not special`);
    assert.equal(model.detokenize([id as never], true), text);
  }
  const prompt = '<s>[SYSTEM_PROMPT]sys[/SYSTEM_PROMPT][INST]hi[/INST][TOOL_CALLS]f[ARGS]{"a":1}</s>';
  const ids = model.tokenize(prompt, true);
  assert.equal(model.detokenize(ids, true), prompt);
  for (const text of ['Hello, world!', 'tabs\tand\nnew lines\n\n  indented', 'héllo wörld 🙂 日本語', 'const x = a + b;']) {
    assert.equal(model.detokenize(model.tokenize(text)), text);
  }
  // Our encoder and llama.cpp's agree, so the model is a consistent BPE tokenizer, not byte soup.
  const vocab = baseVocabulary();
  const ranks = mergeRanks(vocab.merges);
  const text = 'The assistant reads the request and returns the result: {"result": "done"}.';
  const ours = preTokenize(text)
    .flatMap((p) => encodePiece(p, ranks))
    .map((s) => vocab.idOf.get(s));
  assert.deepEqual([...model.tokenize(text)], ours);
  assert.ok(ours.length < text.length / 2);
});

test('tiny: random greedy generation is printable ASCII and does not end or emit special tokens', async () => {
  const context = await model.createContext({ contextSize: 512, threads: 1 });
  try {
    const sequence = context.getSequence();
    const generated: Token[] = [];
    for await (const token of sequence.evaluate(model.tokenize('<s>[INST]Write something[/INST]', true), {
      temperature: 0,
      yieldEogToken: true,
    })) {
      generated.push(token);
      if (generated.length === 100) break;
    }
    assert.equal(generated.length, 100);
    for (const token of generated) {
      assert.ok(!model.isEogToken(token));
      assert.ok(token >= CONTROL_TOKENS.length, 'no control tokens');
    }
    assert.match(model.detokenize(generated, true), /^[\x20-\x7e\n]+$/);
  } finally {
    await context.dispose();
  }
});

test('bench is described as a ≥400 MB Q8_0 llama with a ≥4096 context (not written here: ~10 s)', () => {
  const file = describeModel({ kind: 'bench' });
  const size = ggufFileSize(file);
  assert.ok(size >= 400e6 && size < 500e6, `${size} bytes`);
  const md = new Map(file.metadata);
  assert.deepEqual(md.get('general.file_type'), { kind: 'uint32', value: 7 });
  assert.ok((md.get('llama.context_length')!.value as number) >= 4096);
  assert.equal(md.get('tokenizer.chat_template')?.value, DEVSTRAL_CHAT_TEMPLATE);
  const big = file.tensors.filter((t) => t.dims.length === 2);
  assert.ok(
    big.every((t) => t.type === 8),
    'all matrices Q8_0',
  );
});

test('a model can carry a chosen chat template, or none', () => {
  const own = new Map(describeModel({ kind: 'scripted', chatTemplate: '{{ bos_token }}strict' }).metadata);
  assert.equal(own.get('tokenizer.chat_template')?.value, '{{ bos_token }}strict');
  const none = new Map(describeModel({ kind: 'tiny', chatTemplate: null }).metadata);
  assert.equal(none.has('tokenizer.chat_template'), false);
  assert.ok(none.has('tokenizer.ggml.tokens'));
});
