/**
 * Key of a cached test image: everything that changes what the image contains — the product's source
 * and lockfile, the wrapper, the model, the build options and the mirror — hashed. Same key → reuse.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** Bump when the builder itself changes the image in a way sources do not show. */
export const IMAGE_BUILDER_VERSION = 1;

export async function sourceFiles(repoRoot: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      // The VM acceptance harness runs on the host; editing it must not force a rebuild.
      if (entry.isDirectory()) {
        if (relative(repoRoot, path) !== 'src/image/vm') await walk(path);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push(path);
    }
  };
  await walk(join(repoRoot, 'src'));
  out.push(join(repoRoot, 'package-lock.json'), join(repoRoot, 'bin/slm-copilot'));
  return out.sort();
}

export async function imageCacheKey(repoRoot: string, inputs: Record<string, string | number | null>): Promise<string> {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ builder: IMAGE_BUILDER_VERSION, inputs }));
  for (const file of await sourceFiles(repoRoot)) {
    hash.update(`${relative(repoRoot, file)}\0`);
    hash.update(await readFile(file));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 20);
}
