/** A tiny stand-in for OneGate on loopback: records `PUT /vm` requests (the real one cannot run here). */
import { createServer, type Server } from 'node:http';

export interface OneGateCall {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export async function startFakeOneGate(): Promise<{ endpoint: string; calls: OneGateCall[]; close(): Promise<void> }> {
  const calls: OneGateCall[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      calls.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(req.method === 'PUT' && req.url === '/vm' ? 200 : 404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { endpoint: `http://127.0.0.1:${port}`, calls, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
