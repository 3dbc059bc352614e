import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type DiscoveryEffects, discoveryPass, emptyEdgeView, renderEdgeMetrics } from './engine-discovery.ts';
import { renderEngineUpstream } from './engine-upstream.ts';
import type { EngineNode } from './onegate-service.ts';

const settings = { routing: 'conversation' as const, maxConnsPerEngine: 2, failTimeoutSeconds: 10 };
const node = (id: number, ready: boolean): EngineNode => ({
  vmId: String(id),
  name: `engine_${id}`,
  address: `10.0.0.${id}:8080`,
  ready,
  queue: 0,
});

function recorder(initial: EngineNode[]) {
  const log: string[] = [];
  let file: string | undefined;
  let nodes = initial;
  let nginxOk = true;
  let clock = 0;
  const down = new Set<string>();
  const effects: DiscoveryEffects = {
    readEngines: async () => nodes,
    probe: async (address) => !down.has(address),
    readUpstream: async () => file,
    writeUpstream: async (t) => {
      const changed = t !== file;
      file = t;
      log.push('write');
      return changed;
    },
    checkConfig: async () => {
      log.push('test');
      if (!nginxOk) throw new Error('emerg');
    },
    reload: async () => void log.push('reload'),
    now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, clock++)),
  };
  return {
    effects,
    log,
    file: () => file,
    set: (n: EngineNode[]) => (nodes = n),
    breakNginx: () => (nginxOk = false),
    down,
  };
}

it('renders only ready engines, hashed on the conversation key with bounded connections', () => {
  const text = renderEngineUpstream({ ...settings, nodes: [node(3, true), node(2, false), { ...node(4, true), address: undefined }] });
  assert.match(text, /hash \$slm_copilot_route_key consistent;/);
  assert.match(text, /server 10\.0\.0\.3:8080 max_conns=2 max_fails=1 fail_timeout=10s;/);
  assert.doesNotMatch(text, /10\.0\.0\.2|10\.0\.0\.4/);
  assert.match(renderEngineUpstream({ ...settings, routing: 'least-conn', nodes: [] }), /least_conn;\n {4}server 127\.0\.0\.1:9 down;/);
  const roundRobin = renderEngineUpstream({ ...settings, routing: 'round-robin', nodes: [node(1, true)] });
  assert.doesNotMatch(roundRobin.slice(0, roundRobin.indexOf('upstream slm_copilot_engines_overflow')), /hash|least_conn/);
  assert.match(
    roundRobin,
    /upstream slm_copilot_engines_overflow \{\n {4}least_conn;\n {4}server 10\.0\.0\.1:8080 max_fails=1 fail_timeout=10s;/,
  );
});

it('reloads only on change, drops a not-ready engine and adds it back', async () => {
  const r = recorder([node(1, true), node(2, true)]);
  let pass = await discoveryPass(r.effects, settings, emptyEdgeView());
  assert.equal(pass.changed, true);
  assert.deepEqual(r.log, ['write', 'test', 'reload']);
  const firstChange = pass.view.lastChange;

  pass = await discoveryPass(r.effects, settings, pass.view);
  assert.equal(pass.changed, false);
  assert.deepEqual(r.log, ['write', 'test', 'reload'], 'same engines: no write, no reload');
  assert.equal(pass.view.lastChange, firstChange);

  r.set([node(1, true), node(2, false)]);
  pass = await discoveryPass(r.effects, settings, pass.view);
  assert.equal(pass.changed, true);
  assert.doesNotMatch(r.file() ?? '', /10\.0\.0\.2/);
  assert.deepEqual(
    pass.view.engines.map((e) => [e.vmId, e.state]),
    [
      ['1', 'routed'],
      ['2', 'not-ready'],
    ],
  );
  assert.equal(pass.view.engines[0]?.since, '2026-01-01T00:00:00.000Z', 'an unchanged engine keeps its since');

  r.set([node(1, true), node(2, true)]);
  pass = await discoveryPass(r.effects, settings, pass.view);
  assert.equal(pass.changed, true);
  assert.match(r.file() ?? '', /10\.0\.0\.2:8080/);
  assert.equal(pass.view.reloads, 3);
  assert.match(renderEdgeMetrics(pass.view), /slm_copilot_edge_engines\{state="routed"\} 2\n[\s\S]*slm_copilot_edge_reloads_total 3/);
});

it('keeps the working upstream when nginx -t fails or OneGate is down', async () => {
  const r = recorder([node(1, true)]);
  const first = await discoveryPass(r.effects, settings, emptyEdgeView());
  const good = r.file();
  r.breakNginx();
  r.set([node(1, true), node(2, true)]);
  const bad = await discoveryPass(r.effects, settings, first.view);
  assert.equal(bad.changed, false);
  assert.equal(r.file(), good, 'the previous file is restored');
  assert.match(bad.view.lastError ?? '', /nginx -t rejected/);
  assert.equal(r.log.filter((l) => l === 'reload').length, 1);

  r.effects.readEngines = async () => {
    throw new Error('connect ECONNREFUSED');
  };
  const down = await discoveryPass(r.effects, settings, first.view);
  assert.equal(down.changed, false);
  assert.equal(r.file(), good);
  assert.match(down.view.lastError ?? '', /OneGate: connect ECONNREFUSED/);
});

it('drops an engine that still says READY=YES but does not answer (killed -9), and re-adds it when it answers', async () => {
  const r = recorder([node(1, true), node(2, true)]);
  let pass = await discoveryPass(r.effects, settings, emptyEdgeView());
  r.down.add('10.0.0.2:8080');
  pass = await discoveryPass(r.effects, settings, pass.view);
  assert.equal(pass.changed, true);
  assert.doesNotMatch(r.file() ?? '', /10\.0\.0\.2/);
  assert.equal(pass.view.engines[1]?.state, 'unreachable');
  r.down.clear();
  pass = await discoveryPass(r.effects, settings, pass.view);
  assert.equal(pass.changed, true);
  assert.match(r.file() ?? '', /10\.0\.0\.2:8080/);
});
