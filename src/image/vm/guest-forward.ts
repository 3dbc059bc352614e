/**
 * One guest TCP connection to a service on the host's loopback, for QEMU user networking's
 * `guestfwd=tcp:ADDR:PORT-cmd:…`: QEMU starts this program per connection the guest opens to ADDR:PORT,
 * with that connection on stdin/stdout, and this pipes it to 127.0.0.1:<port> (both directions,
 * half-close included). Why a program per connection: a `guestfwd` to a chardev carries every guest
 * connection over one host stream and never tells it when one ends; `restrict=on` keeps the guest off
 * the host's 10.0.2.2 and everything else, so this is the only way in.
 *
 * Usage: node guest-forward.ts <port>
 */
import { connect, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

export const GUEST_FORWARD_PROGRAM = fileURLToPath(import.meta.url);

/**
 * The `cmd:` target for a guestfwd rule: this program on the running Node. QEMU splits its -nic
 * option on commas (a literal comma is written twice) and the command line on spaces. The program's
 * stderr is the guest's connection too, so Node must print no warnings.
 */
export function guestForwardCommand(port: number, nodePath = process.execPath, program = GUEST_FORWARD_PROGRAM): string {
  for (const part of [nodePath, program])
    if (/[\s,'"\\]/.test(part)) throw new Error(`guestfwd command: ${part} must not contain spaces, commas, quotes or backslashes`);
  return `${nodePath} --no-warnings ${program} ${port}`;
}

function main(port: number): void {
  // QEMU hands over one socket as stdin and stdout; read and write it as one socket, half-close included.
  const guest = new Socket({ fd: 0, readable: true, writable: true, allowHalfOpen: true });
  const upstream = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  guest.pipe(upstream);
  upstream.pipe(guest);
  let open = 2;
  const closed = () => {
    if (--open === 0) process.exit(0);
  };
  guest.on('close', closed);
  upstream.on('close', closed);
  guest.on('error', () => upstream.destroy());
  upstream.on('error', (e) => {
    process.stderr.write(`guest-forward 127.0.0.1:${port}: ${e.message}\n`);
    guest.destroy();
    process.exit(1);
  });
}

if (process.argv[1] === GUEST_FORWARD_PROGRAM) {
  const port = Number(process.argv[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    process.stderr.write('usage: guest-forward.ts <port>\n');
    process.exit(2);
  }
  main(port);
}
