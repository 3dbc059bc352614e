/**
 * The self-test against a stand-in edge on loopback HTTPS (the appliance's own self-signed certificate):
 * each stream a broken engine or edge could send must fail it, with the reason in the report's words.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { systemCommandRunner } from '../../lib/command-runner.ts';
import { ensureSelfSignedCertificate } from '../tls/ensure-self-signed-certificate.ts';
import { type SelfTestInput, selfTest } from './self-test.ts';

const frame = (chunk: unknown) => `data: ${JSON.stringify(chunk)}\n\n`;
const role = frame({ id: 'c1', model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
const content = frame({ id: 'c1', model: 'm', choices: [{ index: 0, delta: { content: 'OK' }, finish_reason: null }] });
const finish = frame({ id: 'c1', model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
const done = 'data: [DONE]\n\n';

describe('self-test through a stand-in edge', () => {
  const dir = mkdtempSync(join(tmpdir(), 'self-test-'));
  let server: Server;
  let input: SelfTestInput;
  let answer: { status: number; body: string } = { status: 200, body: '' };
  const seen: { authorization?: string | undefined; sni?: string | false | null; body?: unknown }[] = [];

  before(async () => {
    const tls = await ensureSelfSignedCertificate({
      dir,
      hostname: 'copilot.example.org',
      ips: ['127.0.0.1'],
      runner: systemCommandRunner,
    });
    server = createServer({ cert: readFileSync(tls.certPath), key: readFileSync(tls.keyPath) }, (req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (c: string) => (body += c));
      req.on('end', () => {
        seen.push({ authorization: req.headers.authorization, sni: (req.socket as TLSSocket).servername, body: JSON.parse(body) });
        res.writeHead(answer.status, { 'content-type': answer.status === 200 ? 'text/event-stream' : 'application/json' });
        res.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    input = {
      origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
      servername: 'copilot.example.org',
      ca: readFileSync(tls.certPath),
      apiKey: 'sk-self-test',
      modelId: 'devstral',
      timeoutMs: 30_000,
    };
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = async (status: number, body: string) => {
    answer = { status, body };
    return selfTest(input);
  };

  test('a complete stream passes: the key, the model and the certificate name were used', async () => {
    const result = await run(200, `: ping\n\n${role}${content}${finish}${done}`);
    assert.equal(result.ok, true, result.detail);
    assert.match(
      result.detail,
      /^HTTPS \+ key \+ streamed completion through nginx: 1 deltas, \? tokens generated, finish_reason stop, first delta after \d+ ms/,
    );
    assert.deepEqual(seen.at(-1), {
      authorization: 'Bearer sk-self-test',
      sni: 'copilot.example.org',
      body: {
        model: 'devstral',
        stream: true,
        stream_options: { include_usage: true },
        temperature: 0,
        max_tokens: 8,
        messages: [{ role: 'user', content: 'Say OK.' }],
      },
    });
  });

  test('[DONE] without any content chunk fails', async () => {
    assert.deepEqual(await run(200, `${role}${finish}${done}`), {
      ok: false,
      detail: 'the stream carried no content or tool-call delta and no generated tokens (2 frames)',
    });
  });

  test('content without a finish_reason fails', async () => {
    assert.deepEqual(await run(200, `${role}${content}${done}`), { ok: false, detail: 'the stream carried no finish_reason (2 frames)' });
  });

  test('a stream cut before [DONE] fails', async () => {
    assert.deepEqual(await run(200, `${role}${content}${finish}`), { ok: false, detail: 'the stream ended without [DONE] after 3 frames' });
  });

  test('an error frame fails with its message', async () => {
    const error = frame({ error: { message: 'The request took too long.', type: 'timeout_error', param: null, code: 'request_timeout' } });
    assert.deepEqual(await run(200, `${role}${error}${done}`), {
      ok: false,
      detail: 'the stream carried an error: The request took too long.',
    });
  });

  test('a refusal by the edge fails with its status and body', async () => {
    assert.deepEqual(await run(401, '{"error":{"type":"authentication_error"}}'), {
      ok: false,
      detail: 'HTTP 401 from the edge: {"error":{"type":"authentication_error"}}',
    });
  });

  test('a certificate for another name fails before any request is sent', async () => {
    const before = seen.length;
    const result = await selfTest({ ...input, servername: 'other.example.org' });
    assert.equal(result.ok, false);
    assert.match(
      result.detail,
      /^Hostname\/IP does not match certificate's altnames: Host: other\.example\.org\. is not in the cert's altnames/,
    );
    assert.equal(seen.length, before);
  });
});
