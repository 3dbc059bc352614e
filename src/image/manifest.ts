/**
 * The image manifest, in the shape of one-apps' packer/manifest.sh output (name, version, format,
 * size = virtual bytes, file_size, sha256, md5, creation_time, os-*) plus what we add: the
 * release/runtime/model versions and the locked Debian package set. Written as YAML and JSON.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stringify } from 'yaml';
import { z } from 'zod';

export const manifestSchema = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  format: z.literal('qcow2'),
  /** Virtual disk size in bytes (what the marketplace calls `size`). */
  size: z.number().int().positive(),
  file_size: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  md5: z.string().regex(/^[0-9a-f]{32}$/),
  creation_time: z.number().int().positive(),
  'os-id': z.literal('Debian'),
  'os-release': z.string(),
  'os-arch': z.literal('x86_64'),
  kind: z.enum(['release', 'test']),
  slm_copilot: z.string(),
  node: z.string(),
  kernel: z.string(),
  model: z.object({ file: z.string(), id: z.string(), bytes: z.number().int().nonnegative(), sha256: z.string() }),
  context_package: z.string().nullable(),
  packages: z.record(z.string(), z.string()),
  build_seconds: z.number().nonnegative(),
});

export type ImageManifest = z.infer<typeof manifestSchema>;

/**
 * What the marketplace image block needs from a manifest: both `image build`'s and the one Packer's
 * manifest.sh writes (packaging/packer/) carry it.
 */
export const publishedImageSchema = manifestSchema.pick({
  name: true,
  version: true,
  size: true,
  sha256: true,
  md5: true,
  creation_time: true,
});

export type PublishedImage = z.infer<typeof publishedImageSchema>;

export function renderManifestYaml(manifest: ImageManifest): string {
  return stringify(manifestSchema.parse(manifest), { lineWidth: 0 });
}

export function renderManifestJson(manifest: ImageManifest): string {
  return `${JSON.stringify(manifestSchema.parse(manifest), null, 2)}\n`;
}

/** one-apps style version: `<version>-<release>-YYYYMMDD`. */
export function imageVersion(version: string, release: number, date: Date): string {
  const d = date.toISOString().slice(0, 10).replaceAll('-', '');
  return `${version}-${release}-${d}`;
}

export async function fileDigests(path: string): Promise<{ sha256: string; md5: string; bytes: number }> {
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    sha.update(chunk as Buffer);
    md5.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: sha.digest('hex'), md5: md5.digest('hex'), bytes };
}
