import assert from 'node:assert/strict';
import { test } from 'node:test';
import { qemuArgs, type VmOptions } from './qemu-vm.ts';

const options: VmOptions = {
  image: '/i/base.qcow2',
  overlay: '/w/o.qcow2',
  contextIso: '/w/c.iso',
  serialLog: '/w/serial.log',
  monitorSocket: '/w/mon.sock',
  accel: 'tcg',
  cpus: 2,
  memoryMiB: 3072,
  mac: '52:54:00:5c:0c:01',
  httpsPort: 40443,
  sshPort: 40022,
  log: '/w/log',
};

test('qemu: forwards bound to 127.0.0.1 only, restricted user net, CD swappable, CPU per accelerator', () => {
  const args = qemuArgs(options).join(' ');
  assert.match(args, /hostfwd=tcp:127\.0\.0\.1:40443-:443,hostfwd=tcp:127\.0\.0\.1:40022-:22/);
  assert.doesNotMatch(args, /hostfwd=tcp::/);
  assert.match(args, /restrict=on/);
  assert.match(args, /-drive if=none,id=cd0,media=cdrom/);
  assert.match(args, /-cpu max/);
  assert.match(args, /-machine pc,accel=tcg/);
  assert.match(args, /-display none/);
  assert.match(qemuArgs({ ...options, accel: 'kvm' }).join(' '), /-cpu host/);
});

test('qemu: a guest forward runs its command per connection, still on the restricted user net', () => {
  const args = qemuArgs({ ...options, guestForwards: [{ address: '10.0.2.100', port: 5030, command: '/n/node /p/gf.ts 4242' }] });
  const nic = args[args.indexOf('-nic') + 1]!;
  assert.match(nic, /,restrict=on,/);
  assert.match(nic, /,guestfwd=tcp:10\.0\.2\.100:5030-cmd:\/n\/node \/p\/gf\.ts 4242$/);
  assert.doesNotMatch(qemuArgs(options).join(' '), /guestfwd/);
});

test('qemu: a private NIC is a second virtio NIC on a loopback socket segment (one side listens, the other connects)', () => {
  const listen = qemuArgs({ ...options, privateNic: { mac: '02:00:c0:a8:96:02', side: 'listen', port: 41000 } }).join(' ');
  assert.match(listen, /-netdev socket,id=private0,listen=127\.0\.0\.1:41000 -device virtio-net-pci,netdev=private0,mac=02:00:c0:a8:96:02/);
  const connect = qemuArgs({ ...options, privateNic: { mac: '02:00:c0:a8:96:03', side: 'connect', port: 41000 } }).join(' ');
  assert.match(connect, /-netdev socket,id=private0,connect=127\.0\.0\.1:41000/);
  assert.doesNotMatch(qemuArgs(options).join(' '), /-netdev/);
});
