/**
 * `slm-copilot image build|test|release|marketplace`: the appliance disk image, its VM acceptance
 * test, the release bundle alone, and the marketplace YAML's image block from a manifest.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { writeFileAtomic } from '../../lib/atomic-write.ts';
import { ConfigError } from '../../lib/errors.ts';
import { modelIdSchema } from '../../lib/model-definition.ts';
import type { CliCommand } from '../main.ts';

const HELP = `Usage: slm-copilot image <build|test|release|marketplace> [options]

  build        Build the appliance QCOW2 (Debian 12, BIOS boot) with a manifest. Needs root and the
               tools from tools/setup.sh (mmdebstrap, qemu-utils, grub-pc-bin, e2fsprogs, fdisk).
    --model FILE         GGUF baked into /models (required unless --test: a generated test model)
    --model-id ID        id clients send (default: file name without .gguf)
    --context-deb FILE   OpenNebula contextualization package (one-context_*.deb) to install
    --test               test image: generated model + the TEST-ONLY one-context stand-in
    --out DIR            output directory (default build/image)
    --name NAME          image name (default slm-copilot, or slm-copilot-test with --test)
    --size GB            virtual disk size (default: files + 25 % + 2 GiB)
    --packages-lock FILE install exactly the package versions of a previous build's .packages.lock
    --release N          one-apps release number in the version (default 1)
    --keep-work          keep the rootfs and scratch files

  test         Boot an image with a context CD and run the VM acceptance checks.
    --image FILE         a test image (image build --test: it carries the one-context stand-in the
                         checks drive); default: build or reuse a cached test image
    --accel kvm|tcg|auto accelerator (default auto: kvm when /dev/kvm exists; tcg is software emulation)
    --cpus N             vCPUs (default 2)
    --memory MIB         RAM (default 3072)
    --boot-timeout S     bound for boot → ready (default 360 with kvm, 1800 with tcg)
    --work DIR           scratch directory (default build/image-test)

  release      Build only the release bundle (dist/cli.mjs, node_modules, Node runtime) and its .tar.gz.
    --out DIR            output directory (default build/release)

  marketplace  Fill the images block of the marketplace YAML from a build manifest.
    --manifest FILE      <name>.yaml written by image build (required)
    --url URL            download URL of the QCOW2 (required)
    --yaml FILE          marketplace YAML to update (default packaging/marketplace/slm-copilot.yaml)
`;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export const imageCommand: CliCommand = {
  summary: 'Appliance image: build (QCOW2 + manifest), test (boot + acceptance checks), release, marketplace.',
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
      process.stdout.write(HELP);
      return sub === undefined ? 2 : 0;
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(HELP);
      return 0;
    }
    switch (sub) {
      case 'build':
        return build(rest);
      case 'test':
        return test(rest);
      case 'release':
        return release(rest);
      case 'marketplace':
        return marketplace(rest);
      default:
        process.stderr.write(`slm-copilot image: unknown subcommand "${sub}" (build, test, release, marketplace)\n`);
        return 2;
    }
  },
};

function parse<T extends z.ZodType>(schema: T, values: Record<string, unknown>): z.infer<T> {
  const result = schema.safeParse(values);
  if (!result.success)
    throw new ConfigError(result.error.issues.map((i) => ({ field: `--${String(i.path[0] ?? '')}`, message: i.message })));
  return result.data;
}

const buildSchema = z.object({
  model: z.string().optional(),
  'model-id': modelIdSchema.optional(),
  'context-deb': z.string().optional(),
  test: z.boolean().optional(),
  out: z.string().default('build/image'),
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/)
    .optional(),
  size: z.coerce.number().int().min(2).max(2048).optional(),
  'packages-lock': z.string().optional(),
  release: z.coerce.number().int().min(1).default(1),
  'keep-work': z.boolean().optional(),
});

async function build(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      model: { type: 'string' },
      'model-id': { type: 'string' },
      'context-deb': { type: 'string' },
      test: { type: 'boolean' },
      out: { type: 'string' },
      name: { type: 'string' },
      size: { type: 'string' },
      'packages-lock': { type: 'string' },
      release: { type: 'string' },
      'keep-work': { type: 'boolean' },
    },
  });
  const o = parse(buildSchema, values);
  // mmdebstrap --mode=root and the chroot'ed install stage; the disk assembly itself needs no root.
  if (process.getuid?.() !== 0)
    throw new ConfigError([
      { field: 'image build', message: 'must run as root (mmdebstrap --mode=root, chroot for the appliance install stage)' },
    ]);
  const kind = o.test === true ? 'test' : 'release';
  if (o.model === undefined && kind === 'release')
    throw new ConfigError([
      { field: '--model', message: 'a release image needs --model FILE (GGUF); use --test for a generated test model' },
    ]);
  for (const [flag, path] of [
    ['--model', o.model],
    ['--context-deb', o['context-deb']],
    ['--packages-lock', o['packages-lock']],
  ] as const) {
    if (path !== undefined && !existsSync(path)) throw new ConfigError([{ field: flag, message: `${path} does not exist` }]);
  }
  const { buildImage } = await import('../../image/build-image.ts');
  const { Progress } = await import('../../image/progress.ts');
  const outDir = resolve(o.out);
  const model = o.model !== undefined ? resolve(o.model) : await generatedTestModel(join(outDir, 'models'));
  const progress = new Progress(6);
  const built = await buildImage({
    repoRoot,
    outDir,
    name: o.name ?? (kind === 'test' ? 'slm-copilot-test' : 'slm-copilot'),
    model,
    kind,
    release: o.release,
    progress,
    ...(o['model-id'] !== undefined ? { modelId: o['model-id'] } : {}),
    ...(o['context-deb'] !== undefined ? { contextDeb: resolve(o['context-deb']) } : {}),
    ...(o.size !== undefined ? { sizeGb: o.size } : {}),
    ...(o['packages-lock'] !== undefined ? { packagesLock: resolve(o['packages-lock']) } : {}),
    ...(o['keep-work'] === true ? { keepWorkDir: true } : {}),
  });
  const m = built.manifest;
  process.stdout.write(
    [
      `image     ${built.qcow2}`,
      `manifest  ${built.manifestPath}`,
      `version   ${m.version} (${m.kind})`,
      `size      ${(m.file_size / 1024 ** 2).toFixed(0)} MiB qcow2 (compressed), ${(m.size / 1024 ** 3).toFixed(0)} GiB virtual`,
      `sha256    ${m.sha256}`,
      `built in  ${m.build_seconds.toFixed(0)}s`,
      '',
    ].join('\n'),
  );
  return 0;
}

/** The scripted test model: greedy decoding always answers with this sentence. */
const TEST_MODEL_TEXT = 'Hello from the SLM-Copilot test appliance.';

async function generatedTestModel(dir: string): Promise<string> {
  const { makeModel } = await import('../../modelgen/make-model.ts');
  const out = join(dir, 'slm-copilot-test-scripted.gguf');
  await makeModel({ kind: 'scripted', text: TEST_MODEL_TEXT, out });
  return out;
}

const testSchema = z.object({
  image: z.string().optional(),
  accel: z.enum(['kvm', 'tcg', 'auto']).default('auto'),
  cpus: z.coerce.number().int().min(1).max(64).default(2),
  memory: z.coerce.number().int().min(1024).max(262144).default(3072),
  'boot-timeout': z.coerce.number().int().min(30).optional(),
  work: z.string().default('build/image-test'),
});

async function test(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      image: { type: 'string' },
      accel: { type: 'string' },
      cpus: { type: 'string' },
      memory: { type: 'string' },
      'boot-timeout': { type: 'string' },
      work: { type: 'string' },
    },
  });
  const o = parse(testSchema, values);
  const { resolveAccel } = await import('../../image/vm/qemu-vm.ts');
  const { runAcceptance } = await import('../../image/vm/acceptance.ts');
  const accel = resolveAccel(o.accel);
  if (accel === 'tcg') process.stderr.write('image test: no KVM, using TCG software emulation (slow: minutes per boot)\n');
  const image = o.image !== undefined ? resolve(o.image) : await cachedTestImage();
  const report = await runAcceptance({
    image,
    accel,
    workDir: resolve(o.work),
    cpus: o.cpus,
    memoryMiB: o.memory,
    bootTimeoutMs: (o['boot-timeout'] ?? (accel === 'kvm' ? 360 : 1800)) * 1000,
    write: (t) => process.stderr.write(t),
  });
  process.stdout.write(`\n${report.table}`);
  if (report.bootToReadySeconds !== undefined) process.stdout.write(`boot-to-ready: ${report.bootToReadySeconds.toFixed(1)}s (${accel})\n`);
  return report.results.every((r) => r.outcome === 'pass') ? 0 : 1;
}

/** Builds the test image once per set of inputs (sources, lockfile, builder) and reuses it. */
async function cachedTestImage(): Promise<string> {
  const { imageCacheKey } = await import('../../image/cache-key.ts');
  const { readAptSources, debianMirrorLines } = await import('../../image/apt-sources.ts');
  const key = await imageCacheKey(repoRoot, {
    kind: 'test',
    model: `scripted:${TEST_MODEL_TEXT}`,
    mirror: debianMirrorLines(readAptSources(), 'bookworm').join('|'),
  });
  const dir = join(repoRoot, 'build/image-cache', key);
  const qcow2 = join(dir, 'slm-copilot-test.qcow2');
  if (existsSync(qcow2)) {
    process.stderr.write(`image test: reusing cached test image ${qcow2}\n`);
    return qcow2;
  }
  process.stderr.write(`image test: building the test image (cache key ${key})\n`);
  const code = await build(['--test', '--out', dir]);
  if (code !== 0 || !existsSync(qcow2)) throw new Error('test image build failed');
  // Older cached images (other source states) only take disk space.
  for (const entry of await readdir(dirname(dir))) if (entry !== key) await rm(join(dirname(dir), entry), { recursive: true, force: true });
  return qcow2;
}

async function release(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: true, options: { out: { type: 'string' } } });
  const { buildRelease, packRelease, smokeTestRelease } = await import('../../image/release.ts');
  const outDir = resolve(values.out ?? 'build/release');
  const r = await buildRelease({ repoRoot, outDir });
  await smokeTestRelease(r.dir, outDir);
  const tarball = await packRelease(r);
  process.stdout.write(
    `release ${r.version}: ${r.dir}\n  ${tarball}\n  ${r.packages.length} packages in node_modules; \`help\` runs with no Node on PATH\n`,
  );
  return 0;
}

async function marketplace(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: { manifest: { type: 'string' }, url: { type: 'string' }, yaml: { type: 'string' } },
  });
  if ((values.manifest === undefined) !== (values.url === undefined))
    throw new ConfigError([{ field: '--manifest/--url', message: 'give both, or neither (regenerate inputs only)' }]);
  const { fillMarketplaceImages, validateMarketplaceAppliance } = await import('../../image/marketplace.ts');
  const { manifestSchema } = await import('../../image/manifest.ts');
  const { parse: parseYaml } = await import('yaml');
  const manifest = values.manifest === undefined ? undefined : manifestSchema.parse(parseYaml(await readFile(values.manifest, 'utf8')));
  const target = resolve(values.yaml ?? join(repoRoot, 'packaging/marketplace/slm-copilot.yaml'));
  const current = existsSync(target) ? await readFile(target, 'utf8') : undefined;
  const text = fillMarketplaceImages(current, manifest, values.url);
  const problems = validateMarketplaceAppliance(parseYaml(text), { allowUnfilledImages: manifest === undefined });
  if (problems.length > 0) throw new ConfigError(problems.map((message) => ({ field: 'marketplace', message })));
  await writeFileAtomic(target, text, { mode: 0o644 });
  process.stdout.write(
    manifest === undefined
      ? `${target}: regenerated (images unchanged)\n`
      : `${target}: images ← ${manifest.name} ${manifest.version} (${manifest.size} bytes virtual)\n`,
  );
  return 0;
}
