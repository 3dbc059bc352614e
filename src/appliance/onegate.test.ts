import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { it } from 'node:test';
import { oneGateBody, publishToOneGate } from './onegate.ts';

it('PUTs READY, endpoint and model id to <endpoint>/vm with the token headers, and reports HTTP errors', async (t) => {
  const seen: { method: string | undefined; url: string | undefined; token: string; vmid: string; body: string }[] = [];
  let status = 200;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({
        method: req.method,
        url: req.url,
        token: req.headers['x-onegate-token'] as string,
        vmid: req.headers['x-onegate-vmid'] as string,
        body,
      });
      res.writeHead(status).end('nope');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as { port: number }).port;
  const access = { endpoint: `http://127.0.0.1:${port}`, token: 'tok', vmId: '9' };
  await publishToOneGate(access, { url: 'https://10.0.0.5/v1', modelId: 'm', ready: true });
  assert.deepEqual(seen[0], {
    method: 'PUT',
    url: '/vm',
    token: 'tok',
    vmid: '9',
    body: 'READY=YES\nONEAPP_COPILOT_ENDPOINT=https://10.0.0.5/v1\nONEAPP_COPILOT_MODEL_ID=m',
  });
  status = 403;
  await assert.rejects(publishToOneGate(access, { url: 'u', modelId: 'm', ready: true }), /HTTP 403/);
  assert.doesNotMatch(oneGateBody({ url: 'u', modelId: 'm', ready: true }), /KEY|sk-/);
  // Without REPORT_READY=YES the endpoint is still published, READY is not.
  assert.equal(oneGateBody({ url: 'u', modelId: 'm', ready: false }), 'ONEAPP_COPILOT_ENDPOINT=u\nONEAPP_COPILOT_MODEL_ID=m');
});
