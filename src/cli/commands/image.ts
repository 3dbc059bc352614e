/**
 * `slm-copilot image build|test|release|marketplace`: the appliance disk image, its VM acceptance
 * test, the release bundle alone, and the marketplace YAML's image block from a manifest.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MarketplaceAppliance } from '../../image/marketplace.ts';
import { writeFileAtomic } from '../../lib/atomic-write.ts';
import { ConfigError, UsageError } from '../../lib/errors.ts';
import { isModelId, MODEL_ID_ALLOWED } from '../../lib/model-definition.ts';
import { choiceOption, flagOption, intOption, type OptionValues, parseOptions, textOption } from '../../lib/options.ts';
import { defineCommand, defineGroup } from '../command.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

const buildOptions = {
  model: textOption({ placeholder: 'FILE', description: 'GGUF baked into /models (required unless --test: a generated test model)' }),
  'model-id': textOption({
    placeholder: 'ID',
    description: 'id clients send',
    defaultText: 'file name without .gguf',
    check: (id) => (isModelId(id) ? undefined : `must be ${MODEL_ID_ALLOWED}`),
  }),
  'model-sha256': textOption({
    placeholder: 'HEX',
    description: 'sha256 the GGUF must have (checked before building; required for a release image)',
  }),
  'context-deb': textOption({ placeholder: 'FILE', description: 'OpenNebula contextualization package (one-context_*.deb) to install' }),
  test: flagOption({ description: 'test image: generated model + the TEST-ONLY one-context stand-in' }),
  out: textOption({ placeholder: 'DIR', description: 'output directory', default: 'build/image' }),
  name: textOption({
    placeholder: 'NAME',
    description: 'image name',
    defaultText: 'slm-copilot, or slm-copilot-test with --test',
    pattern: { regex: /^[a-z0-9][a-z0-9._-]*$/, rule: 'a-z 0-9 . _ -, starting with a letter or digit' },
  }),
  size: intOption({ placeholder: 'GB', min: 2, max: 2048, description: 'virtual disk size', defaultText: 'files + 25 % + 2 GiB' }),
  'packages-lock': textOption({
    placeholder: 'FILE',
    description: "install exactly the package versions of a previous build's .packages.lock",
  }),
  release: intOption({ min: 1, max: 9999, default: 1, description: 'one-apps release number in the version' }),
  'keep-work': flagOption({ description: 'keep the rootfs and scratch files' }),
};

const buildCommand = defineCommand('image build', {
  summary: 'Build the appliance QCOW2 (Debian 12, BIOS boot) with a manifest. Needs root and the tools from tools/setup.sh.',
  options: buildOptions,
  validate: validateBuild,
  run: build,
});

function validateBuild(o: OptionValues<typeof buildOptions>): void {
  if (o.test) return;
  if (o.model === undefined)
    throw new UsageError([
      { field: '--model', message: 'a release image needs --model FILE (GGUF); use --test for a generated test model' },
    ]);
  if (o['model-sha256'] === undefined)
    throw new UsageError([
      {
        field: '--model-sha256',
        message: "a release image pins its weights: give the GGUF's sha256 (sha256sum FILE) from the build inputs",
      },
    ]);
}

async function build(o: OptionValues<typeof buildOptions>): Promise<number> {
  const kind = o.test ? 'test' : 'release';
  for (const [flag, path] of [
    ['--model', o.model],
    ['--context-deb', o['context-deb']],
    ['--packages-lock', o['packages-lock']],
  ] as const) {
    if (path !== undefined && !existsSync(path)) throw new UsageError([{ field: flag, message: `${path} does not exist` }]);
  }
  if (o.model !== undefined) await checkModelInputs(resolve(o.model), o['model-sha256']);
  // mmdebstrap --mode=root and the chroot'ed install stage; the disk assembly itself needs no root.
  if (process.getuid?.() !== 0)
    throw new Error('image build must run as root (mmdebstrap --mode=root, chroot for the appliance install stage)');
  const { buildImage } = await import('../../image/build-image.ts');
  const { Progress } = await import('../../image/progress.ts');
  const outDir = resolve(o.out);
  let model: string;
  if (o.model !== undefined) model = resolve(o.model);
  else {
    model = await generatedTestModel(join(outDir, 'models'));
    await checkModelInputs(model, undefined);
  }
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
    ...(o['keep-work'] ? { keepWorkDir: true } : {}),
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

/** Verifies the pin (when given) and says which chat template the engine will use, before anything is built. */
async function checkModelInputs(model: string, sha256: string | undefined): Promise<void> {
  const { describeTemplateChoice, templateChoiceFor, verifyModelSha256 } = await import('../../image/model-inputs.ts');
  if (sha256 !== undefined)
    process.stdout.write(`model     ${model}: sha256 ${await verifyModelSha256(model, sha256)} (matches the pin)\n`);
  process.stdout.write(`template  ${describeTemplateChoice(await templateChoiceFor(model))}\n`);
}

/** The scripted test model: greedy decoding always answers with this sentence. */
const TEST_MODEL_TEXT = 'Hello from the SLM-Copilot test appliance.';

async function generatedTestModel(dir: string): Promise<string> {
  const { makeModel } = await import('../../modelgen/make-model.ts');
  const out = join(dir, 'slm-copilot-test-scripted.gguf');
  await makeModel({ kind: 'scripted', text: TEST_MODEL_TEXT, out });
  return out;
}

const testOptions = {
  image: textOption({
    placeholder: 'FILE',
    description: 'a test image (image build --test: it carries the one-context stand-in the checks drive)',
    defaultText: 'build or reuse a cached test image',
  }),
  accel: choiceOption(['kvm', 'tcg', 'auto'], {
    default: 'auto',
    description: 'accelerator; auto = kvm when a short KVM boot of the image reaches init, else tcg (software emulation; says why)',
  }),
  cpus: intOption({ min: 1, max: 64, default: 2, description: 'vCPUs' }),
  memory: intOption({ placeholder: 'MIB', min: 1024, max: 262144, default: 3072, description: 'RAM' }),
  'boot-timeout': intOption({
    placeholder: 'S',
    min: 30,
    max: 86_400,
    description: 'bound for boot → ready',
    defaultText: '360 with kvm, 1800 with tcg',
  }),
  work: textOption({
    placeholder: 'DIR',
    description: 'scratch directory',
    defaultText: 'build/image-test (build/image-test-service with --service)',
  }),
  service: flagOption({
    description: 'instead: the scale-out service test, an edge VM and an engine VM on a private network with a fake OneGate',
  }),
};

const testCommand = defineCommand('image test', {
  summary: 'Boot an image with a context CD and run the VM acceptance checks.',
  options: testOptions,
  run: test,
});

async function test(o: OptionValues<typeof testOptions>): Promise<number> {
  const { decideAccel } = await import('../../image/vm/accel-decision.ts');
  const { KERNEL_REACHED_USER_SPACE, realProbeRunner } = await import('../../image/vm/accel-probe.ts');
  const { runAcceptance } = await import('../../image/vm/acceptance.ts');
  if (o.image !== undefined && !existsSync(o.image)) throw new UsageError([{ field: '--image', message: `${o.image} does not exist` }]);
  // The image is built (or found) only when needed: `--accel kvm` on a machine without /dev/kvm fails at once.
  let image: Promise<string> | undefined;
  const theImage = () => {
    image ??= o.image !== undefined ? Promise.resolve(resolve(o.image)) : cachedTestImage();
    return image;
  };
  const decision = await decideAccel(
    o.accel,
    realProbeRunner(async () => ({ disk: await theImage(), format: 'qcow2', ...KERNEL_REACHED_USER_SPACE })),
  );
  const accel = decision.accel;
  process.stderr.write(`image test: accelerator ${accel}: ${decision.why}\n`);
  const report = await runAcceptance(
    {
      image: await theImage(),
      accel,
      workDir: resolve(o.work ?? (o.service ? 'build/image-test-service' : 'build/image-test')),
      cpus: o.cpus,
      memoryMiB: o.memory,
      bootTimeoutMs: (o['boot-timeout'] ?? (accel === 'kvm' ? 360 : 1800)) * 1000,
    },
    o.service ? 'service' : 'appliance',
  );
  process.stdout.write(`\n${report.table}`);
  if (report.bootToReadySeconds !== undefined) process.stdout.write(`boot-to-ready: ${report.bootToReadySeconds.toFixed(1)}s (${accel})\n`);
  process.stdout.write(`accelerator: ${accel} — ${decision.why}\n`);
  return report.passed ? 0 : 1;
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
  const code = await build(parseOptions(buildOptions, ['--test', '--out', dir]));
  if (code !== 0 || !existsSync(qcow2)) throw new Error('test image build failed');
  // Older cached images (other source states) only take disk space.
  for (const entry of await readdir(dirname(dir))) if (entry !== key) await rm(join(dirname(dir), entry), { recursive: true, force: true });
  return qcow2;
}

const releaseCommand = defineCommand('image release', {
  summary: 'Build only the release bundle (dist/cli.mjs, node_modules, Node runtime) and its .tar.gz.',
  options: { out: textOption({ placeholder: 'DIR', description: 'output directory', default: 'build/release' }) },
  async run(values) {
    return release(values.out);
  },
});

async function release(out: string): Promise<number> {
  const { buildRelease, packRelease, smokeTestRelease } = await import('../../image/release.ts');
  const outDir = resolve(out);
  const r = await buildRelease({ repoRoot, outDir });
  await smokeTestRelease(r.dir, outDir);
  const tarball = await packRelease(r);
  process.stdout.write(
    `release ${r.version}: ${r.dir}\n  ${tarball}\n  ${r.packages.length} packages in node_modules; \`help\` runs with no Node on PATH\n`,
  );
  return 0;
}

const marketplaceOptions = {
  manifest: textOption({
    placeholder: 'FILE',
    description: '<name>.yaml written by image build or packaging/packer/manifest.sh (give it with --url, or neither)',
  }),
  url: textOption({ placeholder: 'URL', description: 'download URL of the QCOW2' }),
  yaml: textOption({
    placeholder: 'FILE',
    description: 'marketplace YAML to update',
    defaultText: 'packaging/marketplace/slm-copilot.yaml',
  }),
};

const marketplaceCommand = defineCommand('image marketplace', {
  summary: 'Fill the images block of the marketplace YAML from a build manifest.',
  options: marketplaceOptions,
  run: marketplace,
});

async function marketplace(values: OptionValues<typeof marketplaceOptions>): Promise<number> {
  if ((values.manifest === undefined) !== (values.url === undefined))
    throw new UsageError([{ field: '--manifest/--url', message: 'give both, or neither (regenerate inputs only)' }]);
  const { fillMarketplaceImages, validateMarketplaceAppliance } = await import('../../image/marketplace.ts');
  const { publishedImageSchema } = await import('../../image/manifest.ts');
  const { parse: parseYaml } = await import('yaml');
  const manifest =
    values.manifest === undefined ? undefined : publishedImageSchema.parse(parseYaml(await readFile(values.manifest, 'utf8')));
  const target = resolve(values.yaml ?? join(repoRoot, 'packaging/marketplace/slm-copilot.yaml'));
  const current = existsSync(target) ? await readFile(target, 'utf8') : undefined;
  const text = fillMarketplaceImages(current, manifest, values.url);
  const problems = validateMarketplaceAppliance(parseYaml(text), { allowUnfilledImages: manifest === undefined });
  if (problems.length > 0) throw new ConfigError(problems.map((message) => ({ field: 'marketplace', message })));
  await writeFileAtomic(target, text, { mode: 0o644 });
  const written = await writePublishingFiles(dirname(target), parseYaml(text, { version: '1.1' }));
  process.stdout.write(`${written.map((f) => `${f}: regenerated`).join('\n')}\n`);
  process.stdout.write(
    manifest === undefined
      ? `${target}: regenerated (images unchanged)\n`
      : `${target}: images ← ${manifest.name} ${manifest.version} (${manifest.size} bytes virtual)\n`,
  );
  return 0;
}

/** Beside the marketplace YAML: the logo, the onetemplate file and the marketplace-community bundle, all from the same entry. */
async function writePublishingFiles(dir: string, appliance: MarketplaceAppliance): Promise<string[]> {
  const { renderLogoPng, LOGO_FILE } = await import('../../image/logo.ts');
  const { renderCommunityBundle, COMMUNITY_APP_NAME } = await import('../../image/community-bundle.ts');
  const { buildOneTemplate, renderOneTemplate, ONETEMPLATE_FILE } = await import('../../image/onetemplate.ts');
  const files = new Map<string, string | Buffer>([
    [join('logos', LOGO_FILE), renderLogoPng()],
    [ONETEMPLATE_FILE, renderOneTemplate(buildOneTemplate(appliance))],
  ]);
  for (const [path, content] of renderCommunityBundle(appliance)) files.set(join('community', COMMUNITY_APP_NAME, path), content);
  for (const [path, content] of files) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFileAtomic(join(dir, path), content, { mode: 0o644 });
  }
  return [...files.keys()].map((p) => join(dir, p));
}

export const imageCommand = defineGroup('image', {
  summary: 'Appliance image: build (QCOW2 + manifest), test (boot + acceptance checks), release, marketplace.',
  commands: [buildCommand, testCommand, releaseCommand, marketplaceCommand],
});
