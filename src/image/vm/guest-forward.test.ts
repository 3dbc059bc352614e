import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startFakeOneGate } from '../../appliance/local/fake-onegate.ts';
import { guestForwardCommand } from './guest-forward.ts';

/**
 * Runs the forwarder as QEMU's guestfwd `cmd:` does: one connected socket as its stdin and stdout.
 * `guestSide` is the other end, standing for the guest's TCP connection.
 */
async function forwardOnce(port: number, request: string): Promise<{ response: string; code: number | null }> {
  const dir = mkdtempSync(join(tmpdir(), 'gfwd-'));
  try {
    const path = join(dir, 's');
    const accepted = new Promise<Socket>((resolve) => {
      const server = createServer((s) => {
        server.close();
        resolve(s);
      }).listen(path);
    });
    const guestSide = connect(path);
    const qemuSide = await accepted;
    // stderr on the same socket too, as QEMU does: a warning from Node would reach the guest before the answer.
    const [node, ...args] = guestForwardCommand(port).split(' ') as [string, ...string[]];
    const child = spawn(node, args, { stdio: [qemuSide, qemuSide, qemuSide] });
    qemuSide.destroy(); // the child holds its own copy, as QEMU's forked command does
    let response = '';
    guestSide.setEncoding('utf8');
    guestSide.on('data', (d: string) => (response += d));
    const ended = new Promise<void>((resolve) => guestSide.on('end', resolve));
    guestSide.end(request);
    await ended;
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    return { response, code };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a guest connection reaches the loopback service through the forwarder, both ways, and the forwarder exits', async (t) => {
  const og = await startFakeOneGate({ token: 'tok', vmId: '9' });
  t.after(() => og.close());
  const port = Number(new URL(og.endpoint).port);
  const body = 'READY=YES';
  const { response, code } = await forwardOnce(
    port,
    `PUT /vm HTTP/1.1\r\nHost: 10.0.2.100:5030\r\nX-ONEGATE-TOKEN: tok\r\nX-ONEGATE-VMID: 9\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
  );
  assert.match(response, /^HTTP\/1\.1 200 /);
  assert.equal(code, 0);
  assert.deepEqual(og.userTemplate, { READY: 'YES' });
  // Strict on the far side too: a request without the token is a 401 through the forwarder as well.
  const denied = await forwardOnce(port, `GET /vm HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  assert.match(denied.response, /^HTTP\/1\.1 401 /);
});

test('the guestfwd command is this program on this Node, and refuses paths QEMU would split', () => {
  assert.equal(guestForwardCommand(4242, '/n/node', '/p/gf.ts'), '/n/node --no-warnings /p/gf.ts 4242');
  assert.throws(() => guestForwardCommand(1, '/a,b/node', '/p'), /must not contain/);
  assert.throws(() => guestForwardCommand(1, '/n', '/my dir/gf.ts'), /must not contain/);
});
