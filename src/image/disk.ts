/**
 * Packs a root filesystem directory into a BIOS-bootable raw disk without loop devices or mounts:
 * an MBR with one bootable Linux partition at 1 MiB, an ext4 filesystem built from the directory by
 * `mke2fs -d` straight into the partition's offset, and GRUB's boot.img (MBR code) plus a core.img
 * made by grub-mkimage in the gap before the partition — what grub-install does on a real disk.
 */
import { open, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderGrubEarlyCfg } from './guest-files.ts';
import { runLogged } from './run-logged.ts';

export const sectorSize = 512;
/** First partition at 1 MiB: sectors 1…2047 hold GRUB's core.img. */
export const partitionStartSector = 2048;
const mbrBootCodeBytes = 440;

export interface DiskOptions {
  rootfs: string;
  raw: string;
  sizeBytes: number;
  rootUuid: string;
  /** GRUB i386-pc modules directory (the guest's own, so boot.img/core.img match its grub-pc). */
  grubDir: string;
  scratch: string;
  log: string;
}

/** sfdisk script: DOS label, one bootable Linux partition from 1 MiB to the end. */
export function renderPartitionTable(): string {
  return `label: dos\nunit: sectors\n\nstart=${partitionStartSector}, type=83, bootable\n`;
}

/** GRUB modules embedded in core.img: enough to find the ext4 root by UUID and load the rest from it. */
export const coreModules = ['biosdisk', 'part_msdos', 'ext2', 'search_fs_uuid', 'search', 'normal', 'configfile'] as const;

export async function partitionDisk(raw: string, log: string): Promise<void> {
  const script = `${raw}.sfdisk`;
  await writeFile(script, renderPartitionTable());
  await runLogged('sh', ['-c', 'sfdisk --no-reread --no-tell-kernel "$1" < "$2"', 'sfdisk', raw, script], { log, timeoutMs: 60_000 });
  await rm(script, { force: true });
}

export async function buildDisk(options: DiskOptions): Promise<void> {
  const { raw, log } = options;
  await rm(raw, { force: true });
  await writeFile(raw, '');
  await truncate(raw, options.sizeBytes);
  await partitionDisk(raw, log);

  const offset = partitionStartSector * sectorSize;
  const fsBlocks = Math.floor((options.sizeBytes - offset) / 4096);
  // orphan_file and metadata_csum_seed are newer than Debian 12's GRUB 2.06 can read.
  await runLogged(
    'mke2fs',
    [
      '-q',
      '-F',
      '-t',
      'ext4',
      '-b',
      '4096',
      '-O',
      '^orphan_file,^metadata_csum_seed',
      '-U',
      options.rootUuid,
      '-L',
      'slm-root',
      '-E',
      `offset=${offset}`,
      '-d',
      options.rootfs,
      raw,
      String(fsBlocks),
    ],
    { log, timeoutMs: 30 * 60_000 },
  );

  const core = join(options.scratch, 'core.img');
  const early = join(options.scratch, 'grub-early.cfg');
  await writeFile(early, renderGrubEarlyCfg({ rootUuid: options.rootUuid }));
  await runLogged('grub-mkimage', ['-d', options.grubDir, '-O', 'i386-pc', '-o', core, '-c', early, '-p', '/boot/grub', ...coreModules], {
    log,
    timeoutMs: 60_000,
  });
  const coreImg = await readFile(core);
  if (coreImg.length > (partitionStartSector - 1) * sectorSize)
    throw new Error(`GRUB core.img (${coreImg.length} bytes) does not fit before the partition`);
  const bootImg = await readFile(join(options.grubDir, 'boot.img'));
  const handle = await open(raw, 'r+');
  try {
    // boot.img's default blocklist points at sector 1, where core.img goes; keep the partition table.
    await handle.write(bootImg, 0, mbrBootCodeBytes, 0);
    await handle.write(coreImg, 0, coreImg.length, sectorSize);
  } finally {
    await handle.close();
  }
  const st = await stat(raw);
  if (st.size !== options.sizeBytes) throw new Error(`disk size changed: ${st.size}`);
}
