/**
 * A TCP port that was free a moment ago: bind to port 0, read what the OS picked, close. The caller binds
 * it a little later, so a port is never handed out twice by one process (two quick calls could otherwise
 * get the same port back before either was bound).
 */
import { createServer } from 'node:net';

const handedOut = new Set<string>();

export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (;;) {
    const port = await probeFreePort(host);
    const key = `${host}:${port}`;
    if (!handedOut.has(key)) {
      handedOut.add(key);
      return port;
    }
  }
}

function probeFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
