/**
 * Incremental SSE framing for the benchmark client: bytes in, `data:` payloads out. Comment lines
 * (`: ping`) and other fields are dropped; a payload is complete at the blank line that ends its event.
 */
export class SseParser {
  #buffer = '';
  #data: string[] = [];

  /** Feeds a chunk of the body; returns the data payloads of the events it completed. */
  push(text: string): string[] {
    this.#buffer += text;
    const out: string[] = [];
    for (;;) {
      const nl = this.#buffer.indexOf('\n');
      if (nl < 0) break;
      let line = this.#buffer.slice(0, nl);
      this.#buffer = this.#buffer.slice(nl + 1);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === '') {
        if (this.#data.length > 0) out.push(this.#data.join('\n'));
        this.#data = [];
      } else if (line.startsWith('data:')) {
        this.#data.push(line.slice(line[5] === ' ' ? 6 : 5));
      }
    }
    return out;
  }
}
