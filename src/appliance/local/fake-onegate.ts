/**
 * A tiny stand-in for OneGate on loopback (the real one cannot run here): records `PUT /vm` requests,
 * keeps what each VM published in its USER_TEMPLATE, and answers `GET /service` in OneGate's shape
 * (`{SERVICE: {roles: [{name, nodes: [{deploy_id, running, vm_info: {VM: {ID, NAME, USER_TEMPLATE}}}]}]}}`)
 * for the roles it was given. Used by the tests and by `slm-copilot up --engines N`.
 */
import { createServer, type Server } from 'node:http';

export interface OneGateCall {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface FakeOneGateOptions {
  /** Service layout: role name → VM ids. Without it, GET /service answers 404 as for a VM outside a service. */
  roles?: Record<string, number[]>;
}

export interface FakeOneGate {
  endpoint: string;
  calls: OneGateCall[];
  /** USER_TEMPLATE of each VM, as published through PUT /vm. */
  userTemplates: Map<string, Record<string, string>>;
  close(): Promise<void>;
}

export async function startFakeOneGate(options: FakeOneGateOptions = {}): Promise<FakeOneGate> {
  const calls: OneGateCall[] = [];
  const userTemplates = new Map<string, Record<string, string>>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      calls.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const vmId = req.headers['x-onegate-vmid'];
      if (req.method === 'PUT' && req.url === '/vm') {
        if (typeof vmId === 'string') userTemplates.set(vmId, { ...userTemplates.get(vmId), ...parseUpdate(body) });
        res.writeHead(200).end();
        return;
      }
      if (req.method === 'GET' && req.url === '/service' && options.roles !== undefined) {
        // OneGate authenticates every call with the VM's token and id.
        if (typeof vmId !== 'string' || typeof req.headers['x-onegate-token'] !== 'string') {
          res.writeHead(401).end('missing X-ONEGATE-TOKEN / X-ONEGATE-VMID');
          return;
        }
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(serviceDocument(options.roles, userTemplates)));
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    userTemplates,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `onegate vm update --data "K=V\nK2=V2"` body. */
function parseUpdate(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of body.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

function serviceDocument(roles: Record<string, number[]>, templates: Map<string, Record<string, string>>) {
  return {
    SERVICE: {
      name: 'slm-copilot',
      id: '0',
      state: 2,
      roles: Object.entries(roles).map(([name, ids]) => ({
        name,
        cardinality: ids.length,
        state: '2',
        nodes: ids.map((id) => ({
          deploy_id: id,
          running: true,
          vm_info: { VM: { ID: String(id), NAME: `${name}_${id}`, USER_TEMPLATE: { ...templates.get(String(id)) } } },
        })),
      })),
    },
  };
}
