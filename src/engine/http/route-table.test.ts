import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ROUTES, routeOf } from './route-table.ts';

it('labels a request by its route pattern, and anything else as unknown (bounded metric labels)', () => {
  assert.equal(routeOf('/v1/chat/completions')?.path, '/v1/chat/completions');
  assert.equal(routeOf('/v1/models')?.path, '/v1/models');
  assert.equal(routeOf('/v1/models/devstral-small-2')?.path, '/v1/models/:id');
  for (const path of ['/', '/v1', '/v1/models/a/b', '/v1/chat/completions/x', '/healthz/', '/metricsx']) {
    assert.equal(routeOf(path), undefined, path);
  }
});

it('says who may call each route: probes are public, /metrics is its own kind, the API needs the key', () => {
  const kinds = Object.fromEntries(ROUTES.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r.kind]));
  assert.deepEqual(kinds, {
    'GET /healthz': 'probe',
    'GET /readyz': 'probe',
    'GET /health': 'probe',
    'GET /metrics': 'metrics',
    'GET /v1/models': 'api',
    'GET /v1/models/:id': 'api',
    'POST /v1/chat/completions': 'api',
    'POST /v1/completions': 'api',
  });
});
