import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Counter, Gauge, Histogram, Registry } from './registry.ts';

test('renders counters, gauges and cumulative histogram buckets in text format 0.0.4', () => {
  const r = new Registry();
  const c = r.register(new Counter('x_total', 'Things.'));
  let depth = 3;
  r.register(new Gauge('x_depth', 'Depth.', () => depth));
  const h = r.register(new Histogram('x_seconds', 'Latency.', [1, 0.1]));
  c.inc({ route: '/a"b', status: '200' });
  c.inc({ route: '/a"b', status: '200' }, 2);
  h.observe(0.05);
  h.observe(0.5);
  h.observe(5);
  depth = 4;
  assert.equal(
    r.render(),
    [
      '# HELP x_total Things.',
      '# TYPE x_total counter',
      'x_total{route="/a\\"b",status="200"} 3',
      '# HELP x_depth Depth.',
      '# TYPE x_depth gauge',
      'x_depth 4',
      '# HELP x_seconds Latency.',
      '# TYPE x_seconds histogram',
      'x_seconds_bucket{le="0.1"} 1',
      'x_seconds_bucket{le="1"} 2',
      'x_seconds_bucket{le="+Inf"} 3',
      'x_seconds_sum 5.55',
      'x_seconds_count 3',
      '',
    ].join('\n'),
  );
});

test('an unused counter renders as 0 so dashboards see the series', () => {
  const r = new Registry();
  r.register(new Counter('y_total', 'Y.'));
  assert.match(r.render(), /^y_total 0$/m);
});
