import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { waitUntil } from '../../src/lib/process/wait-until.ts';
import { chatBody, jsonHeaders, startFakeServer } from '../support/fake-server.ts';

const KEYS = ['sk-first-key', 'sk-second-key-longer'];

describe('auth', () => {
  const cases: { name: string; headers: Record<string, string>; status: number }[] = [
    { name: 'no key', headers: {}, status: 401 },
    { name: 'wrong Bearer key', headers: { authorization: 'Bearer sk-nope' }, status: 401 },
    { name: 'prefix of a key', headers: { authorization: 'Bearer sk-first' }, status: 401 },
    { name: 'wrong x-api-key', headers: { 'x-api-key': 'sk-first-key-x' }, status: 401 },
    { name: 'Basic scheme', headers: { authorization: 'Basic sk-first-key' }, status: 401 },
    { name: 'Bearer first key', headers: { authorization: 'Bearer sk-first-key' }, status: 200 },
    { name: 'lowercase bearer, second key', headers: { authorization: 'bearer sk-second-key-longer' }, status: 200 },
    { name: 'x-api-key', headers: { 'x-api-key': 'sk-second-key-longer' }, status: 200 },
  ];

  test('keys via Bearer or x-api-key; anything else is a 401 authentication_error', async () => {
    const s = await startFakeServer({}, { apiKeys: KEYS, metricsAuth: true });
    try {
      for (const c of cases) {
        for (const path of ['/v1/models', '/v1/chat/completions']) {
          const init: RequestInit =
            path === '/v1/models'
              ? { headers: c.headers }
              : { method: 'POST', headers: { ...jsonHeaders, ...c.headers }, body: chatBody() };
          const res = await fetch(`${s.url}${path}`, init);
          assert.equal(res.status, c.status, `${c.name} ${path}`);
          if (c.status === 401) {
            const body = (await res.json()) as { error: Record<string, unknown> };
            assert.equal(body.error['type'], 'authentication_error');
            assert.equal(body.error['code'], 'invalid_api_key');
          } else {
            await res.body?.cancel();
          }
        }
      }
      for (const path of ['/healthz', '/readyz', '/health']) assert.equal((await fetch(`${s.url}${path}`)).status, 200, path);
      assert.equal((await fetch(`${s.url}/metrics`)).status, 401);
      assert.equal((await fetch(`${s.url}/metrics`, { headers: { authorization: 'Bearer sk-first-key' } })).status, 200);
      // No key material in the logs.
      const logText = JSON.stringify(s.logs);
      assert.ok(!logText.includes('sk-first-key') && !logText.includes('Say hello'));
    } finally {
      await s.close();
    }
  });

  test('--metrics-auth off leaves /metrics public while the API needs a key', async () => {
    const s = await startFakeServer({}, { apiKeys: KEYS, metricsAuth: false });
    try {
      assert.equal((await fetch(`${s.url}/metrics`)).status, 200);
      assert.equal((await fetch(`${s.url}/v1/models`)).status, 401);
    } finally {
      await s.close();
    }
  });

  test('no key configured: auth off, with a warning in the log', async () => {
    const s = await startFakeServer();
    try {
      assert.equal((await fetch(`${s.url}/v1/models`)).status, 200);
      assert.ok(s.logs.some((l) => l['level'] === 'warn' && String(l['msg']).includes('authentication is OFF')));
    } finally {
      await s.close();
    }
  });
});

describe('health, readiness, models, metrics', () => {
  test('readyz and health are 503 starting until the model is loaded, healthz 200 throughout; generation gets 503', async () => {
    const s = await startFakeServer({ loadDelayMs: 300, modelId: 'devstral-small-2', contextSize: 32768 });
    const probe = async (path: string) => {
      const res = await fetch(`${s.url}${path}`);
      return { status: res.status, body: await res.json() };
    };
    try {
      assert.deepEqual(await probe('/healthz'), { status: 200, body: { status: 'ok' } });
      const starting = { status: 503, body: { status: 'starting', reason: 'the model is loading' } };
      assert.deepEqual(await probe('/readyz'), starting);
      assert.deepEqual(await probe('/health'), starting, '/health is readiness (llama-server), not liveness');
      const early = await fetch(`${s.url}/v1/chat/completions`, { method: 'POST', headers: jsonHeaders, body: chatBody() });
      assert.equal(early.status, 503);
      assert.equal(early.headers.get('retry-after'), '5');
      assert.equal(((await early.json()) as { error: { code: string } }).error.code, 'model_not_ready');
      const metricsBefore = await (await fetch(`${s.url}/metrics`)).text();
      assert.match(metricsBefore, /^slm_model_loaded 0$/m);
      await s.server.loaded;
      const ready = { status: 200, body: { status: 'ready', model: 'devstral-small-2' } };
      assert.deepEqual(await probe('/readyz'), ready);
      assert.deepEqual(await probe('/health'), ready);
      assert.deepEqual(await probe('/healthz'), { status: 200, body: { status: 'ok' } });
      const models = (await (await fetch(`${s.url}/v1/models`)).json()) as { object: string; data: Record<string, unknown>[] };
      assert.equal(models.object, 'list');
      assert.equal(models.data.length, 1);
      assert.equal(models.data[0]!['id'], 'devstral-small-2');
      assert.equal(models.data[0]!['object'], 'model');
      assert.equal(models.data[0]!['owned_by'], 'slm-copilot');
      assert.equal(models.data[0]!['context_length'], 32768);
      assert.equal(typeof models.data[0]!['created'], 'number');
      assert.equal((await fetch(`${s.url}/v1/models/devstral-small-2`)).status, 200);
      assert.equal((await fetch(`${s.url}/v1/models/other`)).status, 404);
    } finally {
      await s.close();
    }
  });

  test('/metrics exposes the slm_* series in Prometheus text format', async () => {
    const s = await startFakeServer({ script: () => ({ cachedTokens: 4, eventDelayMs: 2 }) });
    try {
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`${s.url}/v1/chat/completions`, {
          method: 'POST',
          headers: jsonHeaders,
          body: chatBody({ stream: i === 0 }),
        });
        await res.text();
      }
      await fetch(`${s.url}/v1/chat/completions`, { method: 'POST', headers: jsonHeaders, body: '{' }).then((r) => r.text());
      // Streams are recorded when they end, just after the client saw [DONE].
      const recorded = 'slm_requests_total{route="/v1/chat/completions",status="200"} 2\n';
      await waitUntil('both chat requests in /metrics', async () => (await (await fetch(`${s.url}/metrics`)).text()).includes(recorded), {
        timeoutMs: 5_000,
        intervalMs: 20,
      });
      const res = await fetch(`${s.url}/metrics`);
      assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
      const text = await res.text();
      assert.match(text, /^# TYPE slm_time_to_first_token_seconds histogram$/m);
      assert.match(text, /^slm_time_to_first_token_seconds_count 2$/m);
      assert.match(text, /^slm_time_to_first_token_seconds_bucket\{le="\+Inf"\} 2$/m);
      assert.match(text, /^slm_prompt_tokens_total 14$/m);
      assert.match(text, /^slm_cached_tokens_total 8$/m);
      assert.match(text, /^slm_generated_tokens_total 4$/m);
      assert.match(text, /^slm_decode_tokens_per_second_count 2$/m);
      assert.match(text, /^slm_queue_depth 0$/m);
      assert.match(text, /^slm_busy_slots 0$/m);
      assert.match(text, /^slm_model_loaded 1$/m);
      assert.match(text, /^slm_requests_total\{route="\/v1\/chat\/completions",status="200"\} 2$/m);
      assert.match(text, /^slm_requests_total\{route="\/v1\/chat\/completions",status="400"\} 1$/m);
      for (const line of text.trimEnd().split('\n')) {
        assert.match(line, /^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? [-+\d.eE]+(Inf)?)$/, line);
      }
      const log = s.logs.find((l) => l['msg'] === 'request' && l['stream'] === true)!;
      for (const field of [
        'requestId',
        'route',
        'status',
        'queueMs',
        'promptTokens',
        'cachedTokens',
        'generatedTokens',
        'ttftMs',
        'tokPerSec',
        'durationMs',
      ]) {
        assert.ok(field in log, `log line lacks ${field}`);
      }
    } finally {
      await s.close();
    }
  });
});
