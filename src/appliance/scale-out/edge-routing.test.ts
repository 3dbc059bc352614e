import assert from 'node:assert/strict';
import { it } from 'node:test';
import { renderEdgeRoutingLocation, renderInternalCredentialConf } from './edge-routing.ts';

it('renders the internal credential only from safe characters, as a map the site refers to', () => {
  assert.match(renderInternalCredentialConf('int-0123456789abcdef'), /default "Bearer int-0123456789abcdef";/);
  for (const bad of ['short', `${'x'.repeat(20)}";`, `${'x'.repeat(20)}\n}`, `${'x'.repeat(20)} $host`]) {
    assert.throws(() => renderInternalCredentialConf(bad), /internal credential/, bad);
  }
});

it('replaces the public key towards the engines and never forwards X-Api-Key', () => {
  const lines = renderEdgeRoutingLocation({ maxBodyBytes: 1024, upstream: 'u', overflowLocation: '@o' }).join('\n');
  assert.match(lines, /proxy_set_header Authorization \$slm_copilot_engine_authorization;/);
  assert.match(lines, /proxy_set_header X-Api-Key "";/);
  // The route key needs the whole body in memory before the upstream is chosen.
  assert.match(
    lines,
    /proxy_request_buffering on;[\s\S]*client_body_buffer_size 1024;|client_body_buffer_size 1024;[\s\S]*proxy_request_buffering on;/,
  );
});
