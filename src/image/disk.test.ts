import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildDisk, partitionStartSector } from './disk.ts';

const grubDir = '/usr/lib/grub/i386-pc';

test('raw disk: MBR + bootable partition at 1 MiB, GRUB boot code, ext4 with the files and UUID', {
  skip: !existsSync(join(grubDir, 'boot.img')) && 'grub-pc-bin not installed',
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'disk-'));
  try {
    const rootfs = join(dir, 'rootfs');
    mkdirSync(join(rootfs, 'etc'), { recursive: true });
    writeFileSync(join(rootfs, 'etc/hostname'), 'disk-test\n');
    const raw = join(dir, 'disk.raw');
    const rootUuid = '0b7c1f5e-1d2a-4e8b-9c3d-5a6f7e8d9c0b';
    await buildDisk({ rootfs, raw, sizeBytes: 64 * 1024 ** 2, rootUuid, grubDir, scratch: dir, log: join(dir, 'log') });

    const disk = readFileSync(raw);
    assert.equal(disk.readUInt16LE(510), 0xaa55, 'MBR signature');
    assert.ok(disk.subarray(0, 440).equals(readFileSync(join(grubDir, 'boot.img')).subarray(0, 440)), 'GRUB boot.img in the MBR');
    const core = readFileSync(join(dir, 'core.img'));
    assert.ok(disk.subarray(512, 512 + core.length).equals(core), 'core.img at sector 1');

    const table = JSON.parse(execFileSync('sfdisk', ['--json', raw], { encoding: 'utf8' })) as {
      partitiontable: { partitions: { start: number; type: string; bootable?: boolean }[] };
    };
    const [part] = table.partitiontable.partitions;
    assert.equal(part?.start, partitionStartSector);
    assert.equal(part?.type, '83');
    assert.equal(part?.bootable, true);

    const probe = execFileSync('blkid', ['-p', '-O', String(partitionStartSector * 512), '-o', 'export', raw], { encoding: 'utf8' });
    assert.match(probe, new RegExp(`^UUID=${rootUuid}$`, 'm'));
    assert.match(probe, /^TYPE=ext4$/m);
    const hostname = execFileSync('debugfs', ['-R', 'cat /etc/hostname', `${raw}?offset=${partitionStartSector * 512}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    assert.equal(hostname, 'disk-test\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
