import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Template } from '@huggingface/jinja';
import { getLlama, type Llama, LlamaLogLevel, type LlamaModel, type SequenceEvaluateOptions, type Token } from 'node-llama-cpp';
import { DEVSTRAL_CHAT_TEMPLATE } from './devstral-template.ts';
import { makeModel } from './make-model.ts';
import { createRng } from './prng.ts';
import { chainText, DEFAULT_AFTER_TOOL_TEXT, DEFAULT_SCRIPTED_TEXT, planScript } from './scripted-weights.ts';
import { baseVocabulary, CONTROL_TOKENS } from './vocabulary.ts';

const PROSE = 'The the the cat sat on the mat... and the mat sat on the cat!!! Ok ok ok: "aaaa" 🙂🙂 — done, done, done.';
const TOOL_TEXT = 'Let me check. [TOOL_CALLS]read_file[ARGS]{"path":"src/a.ts","path2":"src/b.ts"}';

describe('planScript', () => {
  test('cuts scripts into distinct tokens that spell them exactly', () => {
    const plan = planScript(baseVocabulary(), PROSE, TOOL_TEXT);
    assert.equal(chainText(plan.vocab, plan.afterUser), PROSE);
    assert.equal(chainText(plan.vocab, plan.afterTool), TOOL_TEXT);
    const all = [...plan.afterUser, ...plan.afterTool];
    assert.equal(new Set(all).size, all.length, 'every chain token is unique');
    assert.equal(new Set(plan.vocab.tokens).size, plan.vocab.tokens.length, 'no duplicate token texts');
    assert.ok(plan.afterUser.length > 20, 'prose is many tokens, not one');
    assert.ok(plan.afterTool.includes(CONTROL_TOKENS.indexOf('[TOOL_CALLS]')));
    assert.ok(plan.afterTool.includes(CONTROL_TOKENS.indexOf('[ARGS]')));
  });

  test('repetitive random scripts always get an exact cut into distinct tokens', () => {
    const rng = createRng(5);
    const alphabet = ['a', 'b', ' ', '.', '\n', '🙂', 'the', ' the', '[ARGS]'];
    for (let i = 0; i < 200; i++) {
      let text = '';
      const n = Math.floor(rng() * 80);
      for (let j = 0; j < n; j++) text += alphabet[Math.floor(rng() * alphabet.length)];
      if (text.split('[ARGS]').length > 2) continue; // a control token may occur once (tested below)
      const plan = planScript(baseVocabulary(), text, '');
      assert.equal(chainText(plan.vocab, plan.afterUser), text);
      assert.equal(new Set(plan.afterUser).size, plan.afterUser.length);
    }
    assert.deepEqual(planScript(baseVocabulary(), '', '').afterUser, []);
  });

  test('repeat links the last token back to the first instead of </s>', () => {
    const plan = planScript(baseVocabulary(), '[TOOL_CALLS]a[ARGS]{}', '', true);
    const first = plan.afterUser[0]!;
    const last = plan.afterUser.at(-1)!;
    assert.equal(plan.successor.get(last), first);
    assert.notEqual(planScript(baseVocabulary(), '[TOOL_CALLS]a[ARGS]{}', '').successor.get(last), first);
  });

  test('rejects scripts a bigram chain cannot express', () => {
    const v = baseVocabulary();
    assert.throws(() => planScript(v, '[TOOL_CALLS]a[ARGS]{}', '[TOOL_CALLS]b[ARGS]{}'), /only once/);
    assert.throws(() => planScript(v, 'x[/INST]y', ''), /may not contain/);
    assert.throws(() => planScript(v, 'bye</s>', ''), /may not contain/);
  });
});

describe('scripted model (greedy decoding, node-llama-cpp, 1 thread)', () => {
  let dir: string;
  let llama: Llama;
  const models = new Map<string, LlamaModel>();
  const template = new Template(DEVSTRAL_CHAT_TEMPLATE);
  const render = (messages: unknown[]): string =>
    template.render({ messages, bos_token: '<s>', eos_token: '</s>', add_generation_prompt: true });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'scripted-test-'));
    llama = await getLlama({ build: 'never', gpu: false, skipDownload: true, maxThreads: 1, logLevel: LlamaLogLevel.error });
    const make = async (name: string, options: { text?: string; afterToolText?: string }): Promise<void> => {
      const made = await makeModel({ kind: 'scripted', out: join(dir, `${name}.gguf`), ...options });
      models.set(name, await llama.loadModel({ modelPath: made.path }));
    };
    await make('default', {});
    await make('prose', { text: PROSE, afterToolText: TOOL_TEXT });
  });
  after(async () => {
    for (const m of models.values()) await m.dispose();
    await llama?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  /** Generates until end-of-generation (or a cap); returns the text and whether EOG ended it. */
  async function generate(name: string, prompt: string, temperature = 0, penalties = false): Promise<{ text: string; eog: boolean }> {
    const model = models.get(name)!;
    const context = await model.createContext({ contextSize: 1024, threads: 1 });
    try {
      const tokens: Token[] = [];
      let eog = false;
      const input = model.tokenize(prompt, true);
      const options: SequenceEvaluateOptions = { temperature, yieldEogToken: true };
      if (temperature !== 0) options.seed = 7;
      if (penalties) {
        const recent = (): Token[] => [...input, ...tokens].slice(-64);
        options.repeatPenalty = { punishTokens: recent, penalty: 1.5, frequencyPenalty: 2, presencePenalty: 2 };
      }
      for await (const token of context.getSequence().evaluate(input, options)) {
        if (model.isEogToken(token)) {
          eog = true;
          break;
        }
        tokens.push(token);
        if (tokens.length > 300) break;
      }
      return { text: model.detokenize(tokens, true), eog };
    } finally {
      await context.dispose();
    }
  }

  test('after [/INST] it generates the default tool call exactly, then </s>', async () => {
    const prompt = render([
      { role: 'system', content: 'You are Cline.' },
      { role: 'user', content: 'Finish the task.' },
    ]);
    assert.ok(prompt.endsWith('[/INST]'));
    assert.deepEqual(await generate('default', prompt), { text: DEFAULT_SCRIPTED_TEXT, eog: true });
  });

  test('after [/TOOL_RESULTS] it generates the after-tool text exactly, then </s>', async () => {
    const prompt = render([
      { role: 'user', content: 'Finish the task.' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'attempt_completion', arguments: '{"result":"done"}' } }],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'ok' },
    ]);
    assert.ok(prompt.endsWith('[/TOOL_RESULTS]'));
    assert.deepEqual(await generate('default', prompt), { text: DEFAULT_AFTER_TOOL_TEXT, eog: true });
  });

  test('a configured prose script with repeated words and characters, and a configured tool call', async () => {
    assert.deepEqual(await generate('prose', render([{ role: 'user', content: 'Tell me.' }])), { text: PROSE, eog: true });
    const afterTool = render([
      { role: 'user', content: 'x' },
      { role: 'assistant', content: 'y' },
      { role: 'user', content: 'z' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c', content: 'result' },
    ]);
    assert.deepEqual(await generate('prose', afterTool), { text: TOOL_TEXT, eog: true });
  });

  test('the script survives sampling and penalties; any other last token ends the turn at once', async () => {
    assert.deepEqual(await generate('default', render([{ role: 'user', content: 'go' }]), 1), { text: DEFAULT_SCRIPTED_TEXT, eog: true });
    // The prompt repeats the script's own words, so repetition penalties hit them hard.
    const echo = render([
      { role: 'user', content: 'go' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c', type: 'function', function: { name: 'attempt_completion', arguments: '{"result":"done"}' } }],
      },
      { role: 'tool', tool_call_id: 'c', content: `${DEFAULT_AFTER_TOOL_TEXT} `.repeat(6) },
    ]);
    assert.deepEqual(await generate('default', echo, 0.8, true), { text: DEFAULT_AFTER_TOOL_TEXT, eog: true });
    assert.deepEqual(await generate('default', '<s>[INST]go[/INST]Sure'), { text: '', eog: true });
  });
});
