import assert from 'node:assert/strict';
import { it } from 'node:test';
import { renderScaleOutSection } from '../render/scale-out-report.ts';
import { gaugeValue } from './engine-publication.ts';

it('reads the engine gauges OneFlow averages, and nothing from a label or a prefix', () => {
  const text = [
    '# TYPE slm_queue_depth gauge',
    'slm_queue_depth 3',
    'slm_queue_depth_max 9',
    'slm_busy_slots{slot="0"} 7',
    'slm_busy_slots 1',
  ].join('\n');
  assert.equal(gaugeValue(text, 'slm_queue_depth'), 3);
  assert.equal(gaugeValue(text, 'slm_busy_slots'), 1);
  assert.equal(gaugeValue('', 'slm_queue_depth'), undefined);
});

it("the report shows the edge's engines with state and since, and the engine's last publication", () => {
  const edge = renderScaleOutSection({
    role: 'edge',
    view: {
      engines: [
        { vmId: '7', name: 'engine_7', address: '10.0.0.7:8081', state: 'routed', since: '2026-01-01T00:00:00.000Z' },
        { vmId: '8', name: 'engine_8', address: undefined, state: 'no-address', since: '2026-01-01T00:01:00.000Z' },
      ],
      lastChange: '2026-01-01T00:00:00.000Z',
      lastError: undefined,
      reloads: 2,
    },
  });
  assert.ok(edge.includes('engines_routed = 1 of 2'));
  assert.ok(edge.includes('engine.7 = 10.0.0.7:8081 routed since 2026-01-01T00:00:00.000Z (engine_7)'));
  assert.ok(edge.includes('engine.8 = - no-address since 2026-01-01T00:01:00.000Z (engine_8)'));
  assert.ok(edge.includes('last_change = 2026-01-01T00:00:00.000Z'));
  const engine = renderScaleOutSection({
    role: 'engine',
    listen: '10.0.0.7:8081',
    publication: {
      publishedAt: '2026-01-01T00:00:00.000Z',
      address: '10.0.0.7:8081',
      ready: false,
      error: 'OneGate PUT /vm answered HTTP 401',
    },
  });
  assert.ok(engine.includes('onegate_published = 2026-01-01T00:00:00.000Z: READY=NO address 10.0.0.7:8081'));
  assert.ok(engine.includes('onegate_error = OneGate PUT /vm answered HTTP 401'));
});
