/**
 * `slm-copilot serve` as a child process, the way systemd runs it: model YAML, key file, readiness,
 * SIGTERM with a request in flight → exit 0; and the demo model when nothing is configured.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { DEMO_MODEL_ID, DEMO_TEXT } from '../../src/engine/demo-model.ts';
import { AUTO_CONTEXT_MAX } from '../../src/lib/context-window.ts';
import { type StartedProcess, startProcess } from '../../src/lib/process/start-process.ts';
import { waitUntil } from '../../src/lib/process/wait-until.ts';
import { strictTemplate } from '../support/strict-templates.ts';
import { testModelPath } from '../support/test-models.ts';

const BIN = join(import.meta.dirname, '../../bin/slm-copilot');
const dir = mkdtempSync(join(tmpdir(), 'serve-command-'));
const children: StartedProcess[] = [];
after(async () => {
  await Promise.all(children.map((c) => c.stop({ graceMs: 5_000 })));
  rmSync(dir, { recursive: true, force: true });
});

interface ServeChild {
  proc: StartedProcess;
  url: string;
  logs: Record<string, unknown>[];
  exited: Promise<number | null>;
}

async function startServe(args: string[], env: Record<string, string> = {}): Promise<ServeChild> {
  const logs: Record<string, unknown>[] = [];
  let buffer = '';
  const proc = await startProcess(BIN, ['serve', '--port', '0', '--threads', '1', ...args], {
    name: 'slm-copilot serve',
    env: { ...process.env, SLM_COPILOT_API_KEY: '', ...env },
    onStdout: (text) => {
      buffer += text;
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        logs.push(JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>);
        buffer = buffer.slice(nl + 1);
      }
    },
  });
  children.push(proc);
  const listening = await waitUntil('serve to log "listening"', () => logs.find((l) => l['msg'] === 'listening'), {
    timeoutMs: 60_000,
    intervalMs: 20,
    signal: proc.exitSignal,
    state: proc.output,
  });
  return { proc, url: String(listening['url']), logs, exited: proc.exited.then((e) => e.code) };
}

async function waitReady(url: string): Promise<void> {
  await waitUntil(`${url}/readyz to answer 200`, async () => (await fetch(`${url}/readyz`)).status === 200, {
    timeoutMs: 60_000,
    intervalMs: 100,
    retryErrors: true,
  });
}

const CLINE_TOOLS = JSON.parse(
  readFileSync(join(import.meta.dirname, '../fixtures/tools/cline-3.0.65.json'), 'utf8'),
) as ChatCompletionTool[];

/** Cline's shape: a long system prompt, its 25 tools, a task, tool rounds returning file contents, a follow-up. */
function clineShapedConversation(): ChatCompletionMessageParam[] {
  const rules = Array.from(
    { length: 40 },
    (_, i) => `- Rule ${i + 1}: use the tools one step at a time and wait for each result before the next step.`,
  );
  const file = (name: string) =>
    Array.from(
      { length: 14 },
      (_, i) => `export function ${name}${i}(request: Request): Response {\n  return new Response(String(${i}));\n}\n`,
    ).join('\n');
  const messages: ChatCompletionMessageParam[] = [
    { role: 'system', content: `You are Cline, a highly skilled software engineer.\n\nRULES\n${rules.join('\n')}` },
    { role: 'user', content: '<task>\nAdd input validation to every handler in src/.\n</task>' },
  ];
  for (const [i, name] of ['routes', 'users'].entries()) {
    const id = `call_${i}`;
    messages.push(
      {
        role: 'assistant',
        content: '',
        tool_calls: [
          { id, type: 'function', function: { name: 'read_files', arguments: JSON.stringify({ files: [{ path: `/src/${name}.ts` }] }) } },
        ],
      },
      { role: 'tool', tool_call_id: id, content: file(name) },
    );
  }
  messages.push({ role: 'user', content: 'Also keep the existing tests passing.' });
  return messages;
}

describe('slm-copilot serve (child process)', () => {
  test('model YAML + key file; SIGTERM with a stream in flight ends it cleanly and exits 0', async () => {
    const model = await testModelPath('scripted', { text: 'Streaming from the YAML-configured model.' });
    const yamlPath = join(dir, 'model.yaml');
    writeFileSync(
      yamlPath,
      `name: devstral-small-2\ncontext_size: 1024\nbackend: llama-cpp\nparameters:\n  model: ${model}\n  temperature: 0.15\n`,
    );
    const keyFile = join(dir, 'keys');
    writeFileSync(keyFile, '# one key per line\nsk-from-file\n');
    const s = await startServe(['--config', yamlPath, '--api-key-file', keyFile, '--shutdown-grace', '5'], {
      SLM_COPILOT_API_KEY: 'sk-from-env',
    });
    assert.equal((await fetch(`${s.url}/healthz`)).status, 200);
    await waitReady(s.url);
    for (const key of ['sk-from-file', 'sk-from-env']) {
      const client = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: key, maxRetries: 0 });
      const models = await client.models.list();
      assert.deepEqual(
        models.data.map((m) => m.id),
        ['devstral-small-2'],
      );
    }
    assert.equal((await fetch(`${s.url}/metrics`)).status, 401, 'metrics need the key by default when one is set');

    const client = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'sk-from-file', maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'devstral-small-2',
      messages: [{ role: 'user', content: 'go' }],
      stream: true,
    });
    s.proc.child.kill('SIGTERM');
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'Streaming from the YAML-configured model.');
    assert.equal(await s.exited, 0);
    const msgs = s.logs.map((l) => l['msg']);
    assert.ok(msgs.includes('shutting down') && msgs.includes('stopped'), JSON.stringify(msgs));
    assert.ok(!JSON.stringify(s.logs).includes('sk-from'), 'keys never reach the log');
  });

  test('without a model it serves the generated demo model and says so', async () => {
    const s = await startServe([], { XDG_CACHE_HOME: join(dir, 'cache') });
    await waitReady(s.url);
    assert.match(
      s.proc.output(),
      /^slm-copilot serve: DEMO MODEL: no --model or --config given/m,
      'the notice goes to the terminal, not only the log',
    );
    assert.ok(s.logs.some((l) => l['level'] === 'warn' && String(l['msg']).includes('DEMO')));
    const client = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    assert.deepEqual(
      (await client.models.list()).data.map((m) => m.id),
      [DEMO_MODEL_ID],
    );
    const res = await client.chat.completions.create({ model: DEMO_MODEL_ID, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(res.choices[0]!.message.content, DEMO_TEXT);
    s.proc.child.kill('SIGINT');
    assert.equal(await s.exited, 0);
  });

  test('no context flag on a Devstral-shaped model: the window comes from its GGUF and the RAM, and a 14k-token Cline request fits', async () => {
    const s = await startServe(['--model', await testModelPath('agent')]);
    await waitReady(s.url);
    const chosen = s.logs.find((l) => l['msg'] === 'context window chosen');
    assert.ok(chosen, 'the choice and its figures are logged');
    // 1 layer × 1 KV head × (32 + 32) × 2 B; the machine's RAM holds far more than the ceiling.
    assert.equal(chosen['kvBytesPerToken'], 128);
    assert.equal(chosen['contextSize'], AUTO_CONTEXT_MAX);
    const client = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 600_000 });
    const [listed] = (await client.models.list()).data as Array<{ context_length?: number }>;
    assert.equal(listed?.context_length, AUTO_CONTEXT_MAX, '/v1/models shows the window the engine uses');

    const res = await client.chat.completions.create({
      model: 'agent',
      messages: clineShapedConversation(),
      tools: CLINE_TOOLS,
      max_tokens: 4,
    });
    const promptTokens = res.usage?.prompt_tokens ?? 0;
    assert.ok(promptTokens >= 14_000 && promptTokens < 17_000, `prompt_tokens ${promptTokens}`);
    s.proc.child.kill('SIGTERM');
    assert.equal(await s.exited, 0);
  });

  test("chat_template in the model YAML replaces the GGUF's template; chat_template_format builtin picks ours", async () => {
    const model = await testModelPath('scripted', { text: 'Templated.' });
    writeFileSync(join(dir, 'operator.jinja'), strictTemplate('call-id'));
    const withFile = join(dir, 'with-template.yaml');
    writeFileSync(withFile, `name: operator-template\nchat_template: operator.jinja\nparameters:\n  model: ${model}\n`);
    const builtin = join(dir, 'builtin-template.yaml');
    writeFileSync(builtin, `name: builtin-template\nchat_template_format: builtin\nparameters:\n  model: ${model}\n`);

    const a = await startServe(['--config', withFile]);
    await waitReady(a.url);
    const own = a.logs.find((l) => String(l['msg']).startsWith('chat template:'));
    assert.deepEqual(
      [own?.['msg'], own?.['origin'], own?.['toolCallFormat']],
      ['chat template: the model’s own', join(dir, 'operator.jinja'), 'mistral-call-id'],
    );
    const client = new OpenAI({ baseURL: `${a.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const res = await client.chat.completions.create({ model: 'operator-template', messages: [{ role: 'user', content: 'go' }] });
    assert.equal(res.choices[0]?.message.content, 'Templated.');
    a.proc.child.kill('SIGTERM');
    assert.equal(await a.exited, 0);

    const b = await startServe(['--config', builtin]);
    await waitReady(b.url);
    const ours = b.logs.find((l) => String(l['msg']).startsWith('chat template:'));
    assert.deepEqual([ours?.['msg'], ours?.['reason']], ['chat template: built-in', 'chat_template_format is builtin']);
    b.proc.child.kill('SIGTERM');
    assert.equal(await b.exited, 0);
  });

  test('a chat_template that is missing or not Jinja stops the start, naming the YAML field', async () => {
    const model = await testModelPath('scripted', { text: 'x' });
    writeFileSync(join(dir, 'broken.jinja'), '{% for m in messages %}{{ m.content }');
    for (const [file, reason] of [
      ['absent.jinja', /cannot read .*absent\.jinja: ENOENT/],
      ['broken.jinja', /.*broken\.jinja is not a valid Jinja template: Parser Error/],
    ] as const) {
      const yamlPath = join(dir, `bad-${file}.yaml`);
      writeFileSync(yamlPath, `name: bad\nchat_template: ${file}\nparameters:\n  model: ${model}\n`);
      const proc = await startProcess(BIN, ['serve', '--config', yamlPath, '--port', '0']);
      children.push(proc);
      assert.equal((await proc.exited).code, 1);
      assert.match(proc.output(), new RegExp(`${yamlPath.replace(/[.]/g, '\\.')}: chat_template: ${reason.source}`));
    }
  });

  test('bad flags fail fast with a message naming the flag', async () => {
    const proc = await startProcess(BIN, ['serve', '--port', 'eighty']);
    children.push(proc);
    const { code } = await proc.exited;
    assert.equal(code, 2);
    assert.match(proc.output(), /^slm-copilot serve: --port: must be an integer from 0 to 65535 \(got "eighty"\)$/m);
  });
});
