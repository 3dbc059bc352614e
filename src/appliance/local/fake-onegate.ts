/**
 * A stand-in for OneGate on loopback (the real one cannot run here), as strict as the real server where it
 * matters to us:
 * - every request needs `X-ONEGATE-TOKEN` and `X-ONEGATE-VMID`, and the token must be that VM's (else 401,
 *   as OneGate answers a client without the token, e.g. the onegate CLI run without one_env's TOKENTXT);
 * - `PUT /vm` takes what `onegate vm update --data` sends: OpenNebula template lines `NAME=value` (or
 *   `NAME="value"`), merged into the calling VM's user template; a malformed body is a 400;
 * - `GET /vm` shows the calling VM's user template as JSON;
 * - `GET /service` (what `onegate service show --json` reads) answers in OneGate's shape
 *   `{SERVICE: {name, id, state, roles: [{name, cardinality, nodes: [{deploy_id, running, vm_info: {VM:
 *   {ID, NAME, USER_TEMPLATE}}}]}]}}` for a VM of the service, and 400 for a VM outside any service.
 * Used by the tests, the local scale-out stack and `slm-copilot up --engines N`.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';

export interface OneGateCall {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The HTTP status the fake answered. */
  status: number;
}

export interface FakeOneGateOptions {
  /** Token of the main VM (default: random). */
  token?: string;
  /** Id of the main VM: the one `token`, `vmId` and `userTemplate` refer to (default 42). */
  vmId?: string;
  /**
   * A OneFlow service: role name → VM ids. Each VM gets its own token (tokenOf); only these VMs may read
   * GET /service. The main VM may be one of them; without roles it is a VM outside any service.
   */
  roles?: Readonly<Record<string, readonly (string | number)[]>>;
}

export interface FakeOneGate {
  endpoint: string;
  /** The main VM's token and id. */
  token: string;
  vmId: string;
  calls: OneGateCall[];
  /** The main VM's user template as updated through PUT /vm. */
  userTemplate: Record<string, string>;
  /** The token OneGate expects from a VM (what its context's token.txt holds). */
  tokenOf(vmId: string | number): string;
  /** A VM's user template as updated through PUT /vm. */
  userTemplateOf(vmId: string | number): Record<string, string>;
  close(): Promise<void>;
}

const LINE_RE = /^([A-Za-z0-9_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^"]*))$/;

/** Parses a `vm update --data` body; undefined when a line is not `NAME=value`. */
export function parseUpdateBody(body: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const line of body.split('\n')) {
    if (line.trim() === '') continue;
    const m = LINE_RE.exec(line.trim());
    if (m === null) return undefined;
    out[m[1]!.toUpperCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!.trim();
  }
  return out;
}

interface FakeVm {
  token: string;
  role: string | undefined;
  userTemplate: Record<string, string>;
}

export async function startFakeOneGate(options: FakeOneGateOptions = {}): Promise<FakeOneGate> {
  const vmId = options.vmId ?? '42';
  const vms = new Map<string, FakeVm>();
  const main: FakeVm = { token: options.token ?? randomBytes(16).toString('hex'), role: undefined, userTemplate: {} };
  vms.set(vmId, main);
  for (const [role, ids] of Object.entries(options.roles ?? {})) {
    for (const raw of ids) {
      const id = String(raw);
      const vm = vms.get(id) ?? { token: randomBytes(16).toString('hex'), role, userTemplate: {} };
      vm.role = role;
      vms.set(id, vm);
    }
  }
  const calls: OneGateCall[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      const answer = (status: number, text = '') => {
        calls.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, status });
        res.writeHead(status, { 'Content-Type': text.startsWith('{') ? 'application/json' : 'text/plain' }).end(text);
      };
      const callerId = req.headers['x-onegate-vmid'];
      const caller = typeof callerId === 'string' ? vms.get(callerId) : undefined;
      if (caller === undefined || req.headers['x-onegate-token'] !== caller.token) return answer(401, 'Not authorized');
      if (req.method === 'PUT' && req.url === '/vm') {
        const attributes = parseUpdateBody(body);
        if (attributes === undefined || Object.keys(attributes).length === 0) return answer(400, 'Error parsing template');
        Object.assign(caller.userTemplate, attributes);
        return answer(200);
      }
      if (req.method === 'GET' && req.url === '/vm') {
        return answer(200, JSON.stringify({ VM: { ID: callerId, USER_TEMPLATE: caller.userTemplate } }));
      }
      if (req.method === 'GET' && req.url === '/service') {
        if (caller.role === undefined) return answer(400, 'Empty or invalid SERVICE_ID');
        return answer(200, JSON.stringify(serviceDocument(vms)));
      }
      return answer(404, 'Not found');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const vmOf = (id: string | number): FakeVm => {
    const vm = vms.get(String(id));
    if (vm === undefined) throw new Error(`fake OneGate: no VM ${id}`);
    return vm;
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    token: main.token,
    vmId,
    calls,
    userTemplate: main.userTemplate,
    tokenOf: (id) => vmOf(id).token,
    userTemplateOf: (id) => vmOf(id).userTemplate,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function serviceDocument(vms: Map<string, FakeVm>) {
  const roles = new Map<string, string[]>();
  for (const [id, vm] of vms) if (vm.role !== undefined) roles.set(vm.role, [...(roles.get(vm.role) ?? []), id]);
  return {
    SERVICE: {
      name: 'slm-copilot',
      id: '0',
      state: 2,
      roles: [...roles].map(([name, ids]) => ({
        name,
        cardinality: ids.length,
        state: '2',
        nodes: ids.map((id) => ({
          deploy_id: Number(id),
          running: true,
          vm_info: { VM: { ID: id, NAME: `${name}_${id}`, USER_TEMPLATE: { ...vms.get(id)?.userTemplate } } },
        })),
      })),
    },
  };
}
