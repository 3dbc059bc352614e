import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, UsageError } from '../../lib/errors.ts';
import { parseOptions } from '../../lib/options.ts';
import { DEFAULT_SPECULATION } from '../inference/speculative-decode.ts';
import { loadApiKeys } from './api-keys.ts';
import { parseModelSettings } from './model-settings.ts';
import { resolveServeConfig, serveOptions } from './serve-config.ts';

const serveConfig = (argv: string[], defaultThreads: number) => resolveServeConfig(parseOptions(serveOptions, argv), defaultThreads);

/** A ConfigError with exactly one issue, for `field`, saying `message`. */
const refusal = (field: string, message: RegExp) => (e: unknown) =>
  e instanceof ConfigError && e.issues.length === 1 && e.issues[0]?.field === field && message.test(e.issues[0].message);

const dir = mkdtempSync(join(tmpdir(), 'serve-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const LOCALAI_YAML = `
name: devstral-small-2
backend: llama-cpp
context_size: 32768
threads: 2
f16: true
mmap: true
stopwords: ["</s>"]
parameters:
  model: models/devstral.gguf
  temperature: 0.15
  top_p: 0.9
  top_k: 20
template:
  use_tokenizer_template: true
`;

describe('model YAML', () => {
  test('a LocalAI model YAML parses; unknown keys are ignored; the model path is relative to the YAML', () => {
    const y = parseModelSettings(LOCALAI_YAML, '/etc/models/devstral.yaml');
    assert.deepEqual(y, {
      name: 'devstral-small-2',
      modelPath: '/etc/models/models/devstral.gguf',
      contextSize: 32768,
      threads: 2,
      defaults: { temperature: 0.15, topP: 0.9, topK: 20, stop: ['</s>'] },
    });
  });

  test('every problem is reported with its field', () => {
    assert.throws(
      () => parseModelSettings('context_size: -1\nparameters:\n  temperature: hot\n', '/m.yaml'),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        const fields = e.issues.map((i) => i.field);
        assert.deepEqual(fields.sort(), ['/m.yaml: context_size', '/m.yaml: parameters.model', '/m.yaml: parameters.temperature'].sort());
        return true;
      },
    );
    assert.throws(() => parseModelSettings('a: [', '/m.yaml'), refusal('/m.yaml', /^not valid YAML: /));
  });
});

describe('speculative decoding settings', () => {
  test('the YAML sets fields, flags override them, the rest keeps the defaults', () => {
    const path = join(dir, 'spec.yaml');
    writeFileSync(path, 'parameters:\n  model: m.gguf\nspeculative:\n  enabled: false\n  max_draft: 4\n  min_ngram: 3\n');
    assert.deepEqual(serveConfig(['--config', path], 1).engine?.speculation, {
      ...DEFAULT_SPECULATION,
      enabled: false,
      maxDraft: 4,
      minNgram: 3,
    });
    assert.deepEqual(serveConfig(['--config', path, '--speculative', '--speculative-max-draft', '12'], 1).engine?.speculation, {
      ...DEFAULT_SPECULATION,
      maxDraft: 12,
      minNgram: 3,
      enabled: true,
    });
    assert.equal(serveConfig(['--model', '/m.gguf', '--no-speculative'], 1).engine?.speculation?.enabled, false);
  });

  test('a typo or a bad value in the YAML names the field', () => {
    assert.throws(
      () => parseModelSettings('parameters:\n  model: m.gguf\nspeculative:\n  max_drafts: 4\n', '/m.yaml'),
      (e: unknown) => e instanceof ConfigError && e.issues[0]?.field === '/m.yaml: speculative' && /max_drafts/.test(e.issues[0].message),
    );
    assert.throws(
      () => parseModelSettings('parameters:\n  model: m.gguf\nspeculative:\n  min_ngram: 5\n  max_ngram: 2\n', '/m.yaml'),
      refusal('/m.yaml: speculative.min_ngram', /must not exceed max_ngram/),
    );
    assert.throws(
      () => parseModelSettings('parameters:\n  model: m.gguf\nspeculative:\n  max_draft: 0\n', '/m.yaml'),
      refusal('/m.yaml: speculative.max_draft', /.+/),
    );
  });
});

describe('serve options', () => {
  test('options override the YAML; the served id is the YAML name', () => {
    const path = join(dir, 'm.yaml');
    writeFileSync(path, LOCALAI_YAML);
    const c = serveConfig(['--config', path, '--threads', '1', '--port', '0'], 7);
    assert.equal(c.engine?.modelId, 'devstral-small-2');
    assert.equal(c.engine?.threads, 1);
    assert.equal(c.engine?.contextSize, 32768);
    assert.equal(c.engine?.modelPath, join(dir, 'models/devstral.gguf'));
    assert.equal(c.port, 0);
    assert.equal(c.engine?.defaults.temperature, 0.15);
  });

  test('defaults: localhost:8080, usable-CPU threads, queue 8, parallel 1, pings every 10 s, context left to start-up', () => {
    const c = serveConfig(['--model', '/x/Devstral-Q4_K_M.gguf'], 3);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 8080);
    assert.deepEqual(c.engine, {
      modelPath: '/x/Devstral-Q4_K_M.gguf',
      modelId: 'Devstral-Q4_K_M',
      contextSize: undefined,
      threads: 3,
      parallel: 1,
      queueLimit: 8,
      defaults: {},
      speculation: DEFAULT_SPECULATION,
    });
    assert.equal(c.pingIntervalMs, 10_000);
    assert.equal(c.metricsAuth, undefined);
  });

  test('no model → engine undefined (demo); bad numbers → UsageError naming each option and its range', () => {
    assert.equal(serveConfig([], 1).engine, undefined);
    assert.throws(
      () => serveConfig(['--port', 'eighty', '--threads', '0'], 1),
      (e: unknown) =>
        e instanceof UsageError &&
        e.issues.map((i) => i.field).join() === '--port,--threads' &&
        e.message === '--port: must be an integer from 0 to 65535 (got "eighty")\n--threads: must be an integer from 1 to 1024 (got "0")',
    );
    assert.throws(
      () => serveConfig(['--model', 'a', '--config', 'b'], 1),
      (e: unknown) => e instanceof UsageError && e.message === '--model: give either --model or --config, not both',
    );
  });

  test('--metrics-auth / --no-metrics-auth set it either way; neither leaves it to the key', () => {
    assert.equal(serveConfig(['--metrics-auth'], 1).metricsAuth, true);
    assert.equal(serveConfig(['--no-metrics-auth'], 1).metricsAuth, false);
    assert.equal(serveConfig([], 1).metricsAuth, undefined);
  });
});

describe('API keys', () => {
  test('from a file (comments, blanks skipped) and the environment, deduplicated', () => {
    const file = join(dir, 'keys');
    writeFileSync(file, '# keys\nsk-one\n\n  sk-two  \n');
    assert.deepEqual(loadApiKeys(file, 'sk-three,sk-one'), ['sk-one', 'sk-two', 'sk-three']);
    assert.deepEqual(loadApiKeys(undefined, undefined), []);
    writeFileSync(file, '# nothing\n');
    assert.throws(() => loadApiKeys(file, undefined), refusal('--api-key-file', / contains no key$/));
    assert.throws(() => loadApiKeys(join(dir, 'missing'), undefined), refusal('--api-key-file', /^cannot read .*: ENOENT$/));
  });
});

describe('prefix cache settings', () => {
  const yamlPath = join(dir, 'cache.yaml');
  writeFileSync(yamlPath, 'name: m\nprefix_cache:\n  dir: cache\n  budget_mb: 512\nparameters:\n  model: m.gguf\n');

  test('the model YAML names the directory (relative to the YAML) and the budget in MiB', () => {
    assert.deepEqual(serveConfig(['--config', yamlPath], 1).engine?.prefixCache, { dir: join(dir, 'cache'), budgetBytes: 512 << 20 });
  });

  test('flags override the YAML; "off" turns the disk tier off; no directory = off', () => {
    assert.deepEqual(
      serveConfig(['--config', yamlPath, '--prefix-cache-dir', '/var/c', '--prefix-cache-budget', '2'], 1).engine?.prefixCache,
      {
        dir: '/var/c',
        budgetBytes: 2 << 20,
      },
    );
    assert.equal(serveConfig(['--config', yamlPath, '--prefix-cache-dir', 'off'], 1).engine?.prefixCache, undefined);
    assert.equal(serveConfig(['--model', '/m.gguf'], 1).engine?.prefixCache, undefined);
    assert.deepEqual(serveConfig(['--model', '/m.gguf', '--prefix-cache-dir', '/var/c'], 1).engine?.prefixCache, { dir: '/var/c' });
  });

  test('a budget without a directory and unknown cache keys are refused with their field', () => {
    assert.throws(() => serveConfig(['--model', '/m.gguf', '--prefix-cache-budget', '5'], 1), UsageError);
    assert.throws(
      () => parseModelSettings('prefix_cache:\n  dir: c\n  size: 5\nparameters:\n  model: m.gguf\n', '/x/m.yaml'),
      (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.field.includes('prefix_cache')),
    );
  });
});
