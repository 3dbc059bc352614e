/**
 * The appliance report (/etc/one-appliance/config) read the way a user copies from it: `[Section]`
 * headers, `key = value` lines, multi-line values on the 4-space-indented lines after `key =`, `;` comments.
 */

export class ReportSections {
  readonly #sections = new Map<string, Map<string, string>>();

  constructor(text: string) {
    let section: Map<string, string> | undefined;
    let blockKey: string | undefined;
    for (const line of text.split('\n')) {
      if (blockKey !== undefined && section !== undefined && line.startsWith('    ')) {
        const previous = section.get(blockKey)!;
        section.set(blockKey, previous === '' ? line.slice(4) : `${previous}\n${line.slice(4)}`);
        continue;
      }
      blockKey = undefined;
      const header = /^\[(.+)\]$/.exec(line);
      if (header !== null) {
        section = new Map();
        this.#sections.set(header[1]!, section);
        continue;
      }
      const pair = /^([A-Za-z0-9_.]+) =(?: (.*))?$/.exec(line);
      if (pair === null || section === undefined) continue;
      section.set(pair[1]!, pair[2] ?? '');
      if (pair[2] === undefined) blockKey = pair[1]!;
    }
  }

  /** The value, or an error naming what the report lacks. */
  get(section: string, key: string): string {
    const value = this.#sections.get(section)?.get(key);
    if (value === undefined || value === '') throw new Error(`the report has no "${key}" in [${section}]`);
    return value;
  }
}
