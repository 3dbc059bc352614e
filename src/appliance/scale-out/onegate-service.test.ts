import assert from 'node:assert/strict';
import { it } from 'node:test';
import { engineNodesFromService, engineOneGateBody } from './onegate-service.ts';

/** Shaped like OneGate's `GET /service`: roles → nodes → vm_info.VM with string scalars in USER_TEMPLATE. */
function service(engines: { id: number; template: Record<string, string> }[]) {
  return {
    SERVICE: {
      name: 'copilot',
      id: '7',
      state: 2,
      roles: [
        {
          name: 'edge',
          cardinality: 1,
          state: '2',
          nodes: [{ deploy_id: 3, running: true, vm_info: { VM: { ID: '3', NAME: 'edge_0', USER_TEMPLATE: { READY: 'YES' } } } }],
        },
        {
          name: 'engine',
          cardinality: engines.length,
          state: '2',
          nodes: engines.map((e) => ({
            deploy_id: e.id,
            running: true,
            vm_info: { VM: { ID: String(e.id), NAME: `engine_${e.id}`, USER_TEMPLATE: e.template } },
          })),
        },
      ],
    },
  };
}

it('reads the engine role only, with address, readiness and queue the engines published', () => {
  const nodes = engineNodesFromService(
    service([
      { id: 12, template: { READY: 'NO', ONEAPP_COPILOT_ENGINE_ADDRESS: '10.1.0.12:8080' } },
      { id: 9, template: { READY: 'YES', ONEAPP_COPILOT_ENGINE_ADDRESS: '10.1.0.9:8080', ONEAPP_COPILOT_ENGINE_QUEUE: '3' } },
      { id: 15, template: {} },
    ]),
  );
  assert.deepEqual(nodes, [
    { vmId: '9', name: 'engine_9', address: '10.1.0.9:8080', ready: true, queue: 3 },
    { vmId: '12', name: 'engine_12', address: '10.1.0.12:8080', ready: false, queue: undefined },
    { vmId: '15', name: 'engine_15', address: undefined, ready: false, queue: undefined },
  ]);
});

it('never lets a published value that is not IP:port through (it would be nginx syntax)', () => {
  for (const bad of ['10.0.0.1:8080; }', 'evil.example.org:80', '10.0.0.1', '10.0.0.1:99999', '10.0.0.1:80\nserver 1.2.3.4:1']) {
    const [node] = engineNodesFromService(service([{ id: 1, template: { READY: 'YES', ONEAPP_COPILOT_ENGINE_ADDRESS: bad } }]));
    assert.equal(node?.address, undefined, bad);
  }
  assert.throws(() => engineOneGateBody({ address: 'x;y', ready: true }), /IP:port/);
  assert.equal(
    engineOneGateBody({ address: '[fd00::5]:8080', ready: true, queue: 0 }),
    'READY=YES\nONEAPP_COPILOT_ENGINE_ADDRESS=[fd00::5]:8080\nONEAPP_COPILOT_ENGINE_QUEUE=0',
  );
});

it('names the broken field when the answer is not a service', () => {
  assert.throws(() => engineNodesFromService({ VM: {} }), /not a service: SERVICE/);
  assert.throws(
    () => engineNodesFromService({ SERVICE: { roles: [{ name: 'engine', nodes: [{ vm_info: { VM: {} } }] }] } }),
    /roles\.0\.nodes\.0\.vm_info\.VM\.ID/,
  );
  assert.deepEqual(engineNodesFromService({ SERVICE: { roles: [{ name: 'edge' }] } }), []);
});
