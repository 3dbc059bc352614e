/**
 * The Debian mirror the image is built from is the one this machine already uses: parsed from
 * /etc/apt/sources.list and /etc/apt/sources.list.d/*.{list,sources}, never a hard-coded host.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface AptSource {
  uri: string;
  suites: string[];
  components: string[];
}

/** Parses deb822 `.sources` text (stanzas separated by blank lines); only `Types: deb`, enabled stanzas. */
export function parseDeb822(text: string): AptSource[] {
  const sources: AptSource[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let last: string | undefined;
    for (const line of stanza.split('\n')) {
      if (line.startsWith('#') || line.trim() === '') continue;
      if (/^\s/.test(line) && last !== undefined) {
        fields.set(last, `${fields.get(last) ?? ''} ${line.trim()}`);
        continue;
      }
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (m === null) continue;
      last = m[1]!.toLowerCase();
      fields.set(last, m[2]!.trim());
    }
    if (!(fields.get('types') ?? '').split(/\s+/).includes('deb')) continue;
    if ((fields.get('enabled') ?? 'yes').toLowerCase() === 'no') continue;
    const words = (key: string) => (fields.get(key) ?? '').split(/\s+/).filter((w) => w !== '');
    for (const uri of words('uris')) sources.push({ uri, suites: words('suites'), components: words('components') });
  }
  return sources;
}

/** Parses one-line `deb [opts] uri suite comp…` entries. */
export function parseOneLine(text: string): AptSource[] {
  const sources: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (m === null) continue;
    sources.push({ uri: m[1]!, suites: [m[2]!], components: m[3]!.split(/\s+/).filter((w) => w !== '') });
  }
  return sources;
}

/** Reads the machine's apt configuration (files disabled by renaming are ignored by apt, and by us). */
export function readAptSources(root = '/etc/apt'): AptSource[] {
  const sources: AptSource[] = [];
  const main = join(root, 'sources.list');
  if (existsSync(main)) sources.push(...parseOneLine(readFileSync(main, 'utf8')));
  const dir = join(root, 'sources.list.d');
  if (existsSync(dir)) {
    for (const name of readdirSync(dir).sort()) {
      const text = readFileSync(join(dir, name), 'utf8');
      if (name.endsWith('.sources')) sources.push(...parseDeb822(text));
      else if (name.endsWith('.list')) sources.push(...parseOneLine(text));
    }
  }
  return sources;
}

/**
 * One-line mmdebstrap mirror entries for `suite` (bookworm): the main archive (suite + `-updates`) and
 * the security archive (`-security`), taken from whichever configured sources serve those suites.
 */
export function debianMirrorLines(sources: readonly AptSource[], suite: string): string[] {
  const wanted = [suite, `${suite}-updates`, `${suite}-security`];
  const lines: string[] = [];
  for (const s of sources) {
    for (const candidate of s.suites) {
      if (!wanted.includes(candidate)) continue;
      const components = s.components.includes('main') ? ['main'] : s.components;
      if (components.length === 0) continue;
      lines.push(`deb ${s.uri} ${candidate} ${components.join(' ')}`);
    }
  }
  if (!lines.some((l) => l.split(' ')[2] === suite)) {
    throw new Error(`no apt source on this machine serves Debian "${suite}" (looked in /etc/apt/sources.list*)`);
  }
  return [...new Set(lines)];
}
