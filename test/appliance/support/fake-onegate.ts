/**
 * A stand-in for OneGate on loopback, as strict as the real server where it matters to us: every request
 * needs `X-ONEGATE-TOKEN` and `X-ONEGATE-VMID` matching the VM's (else 401, as OneGate answers a client
 * without the token, e.g. the onegate CLI run without one_env's TOKENTXT). `PUT /vm` takes what
 * `onegate vm update --data` sends: OpenNebula template lines `NAME=value` (or `NAME="value"`), appended
 * to the VM's user template; a malformed body is a 400. `GET /vm` shows that template as JSON.
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

export interface FakeOneGate {
  endpoint: string;
  token: string;
  vmId: string;
  calls: OneGateCall[];
  /** The VM's user template as updated through PUT /vm. */
  userTemplate: Record<string, string>;
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

export async function startFakeOneGate(options: { token?: string; vmId?: string } = {}): Promise<FakeOneGate> {
  const token = options.token ?? randomBytes(16).toString('hex');
  const vmId = options.vmId ?? '42';
  const calls: OneGateCall[] = [];
  const userTemplate: Record<string, string> = {};
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      const answer = (status: number, text = '') => {
        calls.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, status });
        res.writeHead(status, { 'Content-Type': text.startsWith('{') ? 'application/json' : 'text/plain' }).end(text);
      };
      if (req.headers['x-onegate-token'] !== token || req.headers['x-onegate-vmid'] !== vmId) return answer(401, 'Not authorized');
      if (req.method === 'PUT' && req.url === '/vm') {
        const attributes = parseUpdateBody(body);
        if (attributes === undefined || Object.keys(attributes).length === 0) return answer(400, 'Error parsing template');
        Object.assign(userTemplate, attributes);
        return answer(200);
      }
      if (req.method === 'GET' && req.url === '/vm') {
        return answer(200, JSON.stringify({ VM: { ID: vmId, USER_TEMPLATE: userTemplate } }));
      }
      return answer(404, 'Not found');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    token,
    vmId,
    calls,
    userTemplate,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
