/**
 * Our port of the static rules of appmarket-simple's `app2 validate` (src/app2/app2/validate.py @b9f85779),
 * which OpenNebula runs over a marketplace repository before publishing it. Rules, not code:
 *   - a YAML that does not parse is an error; a mapping with neither `id` nor `images` is not an appliance
 *   - top-level `id`, `name`, `version` non-empty
 *   - `images[]` non-empty unless `type` is VMTEMPLATE or SERVICE_TEMPLATE; each image a mapping with a
 *     non-empty `url`, an integer `size` > 0, and a `checksum` mapping with non-empty `md5` and `sha256`
 *   - appliances under an `appliances/os/` path also need `os-id`, `os-release`, and image names/urls
 *     that match (ours is a service appliance: those stricter rules are not ported)
 *   - every `id` unique across the repository
 * appmarket-simple reads YAML 1.1 (ruamel, Ruby's Psych), so a bare YES is a boolean: parse the same way.
 */
import { parse } from 'yaml';

export interface App2Issue {
  path: string;
  level: 'error' | 'warn';
  code: 'parse' | 'missing-field' | 'no-images' | 'image' | 'duplicate-id';
  message: string;
}

export interface YamlFile {
  path: string;
  text: string;
}

const text = (value: unknown) => (value === undefined || value === null ? '' : String(value).trim());

export function checkAppliance(path: string, data: Record<string, unknown>): App2Issue[] {
  const issues: App2Issue[] = [];
  const err = (code: App2Issue['code'], message: string) => issues.push({ path, level: 'error', code, message });
  for (const field of ['id', 'name', 'version']) if (text(data[field]) === '') err('missing-field', `missing top-level '${field}'`);
  const isTemplate = ['VMTEMPLATE', 'SERVICE_TEMPLATE'].includes(text(data['type']).toUpperCase());
  const images = data['images'];
  if (!Array.isArray(images) || images.length === 0) {
    if (!isTemplate) err('no-images', 'no images[] entries');
    return issues;
  }
  images.forEach((img: unknown, i) => {
    const loc = `images[${i}]`;
    if (typeof img !== 'object' || img === null || Array.isArray(img)) {
      err('image', `${loc} is not a mapping`);
      return;
    }
    const image = img as Record<string, unknown>;
    if (text(image['url']) === '') err('missing-field', `${loc} missing url`);
    const size = image['size'];
    if (!Number.isInteger(size) || (size as number) <= 0) err('missing-field', `${loc} missing/invalid size (${JSON.stringify(size)})`);
    const checksum = image['checksum'];
    if (typeof checksum !== 'object' || checksum === null || Array.isArray(checksum)) err('missing-field', `${loc} missing checksum`);
    else
      for (const algo of ['md5', 'sha256'])
        if (text((checksum as Record<string, unknown>)[algo]) === '') err('missing-field', `${loc} missing checksum.${algo}`);
  });
  return issues;
}

/** Every rule over a set of files, the repository-wide duplicate-id rule included. */
export function app2Validate(files: readonly YamlFile[]): App2Issue[] {
  const issues: App2Issue[] = [];
  const ids = new Map<string, string[]>();
  for (const file of files) {
    let data: unknown;
    try {
      data = parse(file.text, { version: '1.1' });
    } catch (error) {
      issues.push({ path: file.path, level: 'error', code: 'parse', message: `cannot parse yaml: ${(error as Error).message}` });
      continue;
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) continue;
    const appliance = data as Record<string, unknown>;
    if (!('id' in appliance) && !('images' in appliance)) continue;
    issues.push(...checkAppliance(file.path, appliance));
    const id = text(appliance['id']);
    if (id !== '') ids.set(id, [...(ids.get(id) ?? []), file.path]);
  }
  for (const [id, paths] of ids)
    if (paths.length > 1)
      for (const path of paths)
        issues.push({
          path,
          level: 'error',
          code: 'duplicate-id',
          message: `id '${id}' also used by ${paths.filter((p) => p !== path).join(', ')}`,
        });
  return issues;
}
