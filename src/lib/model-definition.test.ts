import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { ConfigError } from './errors.ts';
import {
  isModelId,
  MODEL_FILE_FIELDS,
  mapModelFiles,
  modelIdFromFileName,
  modelIdSchema,
  parseModelDefinition,
  renderModelDefinition,
  type ServedModelDefinition,
} from './model-definition.ts';

/** The issues of the ConfigError `fn` throws, as `field → message`. */
function issuesThrown(fn: () => unknown): Map<string, string> {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return new Map(error.issues.map((i) => [i.field, i.message]));
  }
  assert.fail('expected a ConfigError, nothing was thrown');
}

const LOCALAI_YAML = `
name: devstral-small-2
backend: llama-cpp
context_size: 32768
f16: true
stopwords: ["</s>"]
parameters:
  model: devstral.gguf
  temperature: 0.15
  rope_freq_base: 1000000
template:
  use_tokenizer_template: true
`;

describe('model definition reader', () => {
  it('reads a LocalAI model YAML and keeps the keys it does not know', () => {
    assert.deepEqual(parseModelDefinition(LOCALAI_YAML, '/models/devstral.yaml'), {
      name: 'devstral-small-2',
      backend: 'llama-cpp',
      context_size: 32768,
      f16: true,
      stopwords: ['</s>'],
      parameters: { model: 'devstral.gguf', temperature: 0.15, rope_freq_base: 1000000 },
      template: { use_tokenizer_template: true },
    });
  });

  it('names the file and the field of every problem at once', () => {
    const issues = issuesThrown(() =>
      parseModelDefinition('context_size: 0\nthreads: two\nparameters:\n  temperature: 3\n  top_k: 1.5\n', '/models/m.yaml'),
    );
    assert.deepEqual([...issues.keys()].sort(), [
      '/models/m.yaml: context_size',
      '/models/m.yaml: parameters.model',
      '/models/m.yaml: parameters.temperature',
      '/models/m.yaml: parameters.top_k',
      '/models/m.yaml: threads',
    ]);
    assert.match(issues.get('/models/m.yaml: parameters.temperature')!, /<=2/);
  });

  it('rejects text that is not YAML, naming the file and where it broke', () => {
    const issues = issuesThrown(() => parseModelDefinition('a: [', '/models/m.yaml'));
    assert.deepEqual([...issues.keys()], ['/models/m.yaml']);
    assert.match(issues.get('/models/m.yaml')!, /^not valid YAML: .*line 1/);
  });

  it('an empty file lacks parameters.model; a list is wrong at the root', () => {
    assert.deepEqual([...issuesThrown(() => parseModelDefinition('', 'e.yaml')).keys()], ['e.yaml: parameters']);
    assert.deepEqual([...issuesThrown(() => parseModelDefinition('- a\n', 'l.yaml')).keys()], ['l.yaml: (root)']);
  });

  it('a weights path must be one line', () => {
    const issues = issuesThrown(() => parseModelDefinition('parameters:\n  model: "a\\nb.gguf"\n', 'm.yaml'));
    assert.deepEqual([...issues], [['m.yaml: parameters.model', 'one line, no NUL']]);
  });

  it('a served definition needs a name that follows the id rule; the engine alone does not', () => {
    const nameless = 'parameters:\n  model: m.gguf\n';
    assert.equal(parseModelDefinition(nameless, 'm.yaml').name, undefined);
    assert.deepEqual([...issuesThrown(() => parseModelDefinition(nameless, 'm.yaml', { requireId: true })).keys()], ['m.yaml: name']);
    const spaced = `name: my model\n${nameless}`;
    assert.equal(parseModelDefinition(spaced, 'm.yaml').name, 'my model');
    const issues = issuesThrown(() => parseModelDefinition(spaced, 'm.yaml', { requireId: true }));
    assert.match(issues.get('m.yaml: name')!, /^allowed: 1 to 128 letters, digits and \. _ : \/ -/);
  });
});

describe('model definition writer', () => {
  it('round-trips through the reader, unknown keys and YAML syntax in values included', () => {
    const definition: ServedModelDefinition = {
      name: 'org/model:q4',
      context_size: 4096,
      stopwords: ['</s>', '#'],
      parameters: { model: '/models/a: b #c.gguf', temperature: 0, mirostat: 2 },
      template: { chat: 'x: {{ .Input }}' },
    };
    const text = renderModelDefinition(definition, '/models/m.yaml', 'Written by a test.\nSecond line.');
    assert.ok(text.startsWith('# Written by a test.\n# Second line.\nname: org/model:q4\n'), text);
    assert.deepEqual(parse(text), definition);
    assert.deepEqual(parseModelDefinition(text, '/models/m.yaml', { requireId: true }), definition);
  });

  it('refuses to write what the reader would reject, naming the target and the field', () => {
    const issues = issuesThrown(() =>
      renderModelDefinition({ name: 'a b', parameters: { model: '' }, threads: 0 } as ServedModelDefinition, '/models/x.yaml'),
    );
    assert.deepEqual([...issues.keys()].sort(), ['/models/x.yaml: name', '/models/x.yaml: parameters.model', '/models/x.yaml: threads']);
  });
});

describe('model files', () => {
  it('the weights and the operator chat template are the file fields', () => {
    assert.deepEqual(MODEL_FILE_FIELDS, ['chat_template', 'parameters.model']);
  });

  it('chat_template_format: jinja needs a file, builtin takes none, nothing else is allowed', () => {
    const parse = (extra: string) => parseModelDefinition(`name: m\n${extra}parameters:\n  model: w.gguf\n`, 'm.yaml', { requireId: true });
    assert.equal(parse('chat_template: t.jinja\n').chat_template, 't.jinja');
    assert.equal(parse('chat_template_format: builtin\n').chat_template_format, 'builtin');
    for (const [extra, message] of [
      ['chat_template_format: jinja\n', 'm.yaml: chat_template: chat_template_format jinja needs chat_template (a Jinja file)'],
      [
        'chat_template_format: builtin\nchat_template: t.jinja\n',
        'm.yaml: chat_template: chat_template_format builtin uses no template file; remove one of them',
      ],
      ['chat_template_format: python\n', 'm.yaml: chat_template_format: allowed: jinja, builtin'],
    ] as const)
      assert.throws(
        () => parse(extra),
        (e: unknown) => e instanceof ConfigError && e.issues.map((i) => `${i.field}: ${i.message}`).join() === message,
      );
  });

  it('mapModelFiles relocates every file field in a copy', () => {
    const definition = parseModelDefinition('name: m\nparameters:\n  model: w.gguf\n  top_k: 5\n', 'm.yaml');
    const seen: string[] = [];
    const moved = mapModelFiles(definition, (path, field) => {
      seen.push(`${field}=${path}`);
      return `/abs/${path}`;
    });
    assert.deepEqual(seen, ['parameters.model=w.gguf']);
    assert.deepEqual(moved, { name: 'm', parameters: { model: '/abs/w.gguf', top_k: 5 } });
    assert.equal(definition.parameters.model, 'w.gguf', 'the original is left as it was');
  });
});

describe('model id rule', () => {
  it('accepts 1 to 128 of letters, digits and . _ : / -, starting with a letter or digit', () => {
    for (const id of ['m', 'Devstral-Small-2', 'org/model:Q4_K_M', `a${'b'.repeat(127)}`, '7b.v1']) {
      assert.equal(isModelId(id), true, id);
      assert.equal(modelIdSchema.safeParse(id).success, true, id);
    }
    for (const id of ['', '-m', '.m', '_m', 'a b', 'a"b', 'a\nb', `a${'b'.repeat(128)}`, 'é']) {
      assert.equal(isModelId(id), false, JSON.stringify(id));
      assert.equal(modelIdSchema.safeParse(id).success, false, JSON.stringify(id));
    }
  });

  it('derives the id of a weights file from its name', () => {
    assert.equal(modelIdFromFileName('/srv/Devstral-Small-2.Q4_K_M.gguf'), 'Devstral-Small-2.Q4_K_M');
    assert.equal(modelIdFromFileName('my model (v2).GGUF'), 'my-model--v2-');
    assert.equal(modelIdFromFileName('_private.gguf'), 'private');
    assert.equal(modelIdFromFileName(`${'x'.repeat(200)}.gguf`), 'x'.repeat(128));
    assert.throws(() => modelIdFromFileName('/srv/---.gguf'), /cannot derive a model id from "\/srv\/---\.gguf"/);
  });
});
