/**
 * Incremental Server-Sent Events decoding, as the WHATWG spec reads a stream: text in, in pieces of any
 * size; events and comments out, in order. Lines end with `\n`, `\r\n` or `\r` (also when a piece ends
 * between `\r` and `\n`); `data:` lines of one event are joined with `\n`; a blank line ends an event.
 */

export type SseFrame =
  | { kind: 'event'; event: string; data: string; id: string | undefined }
  /** `: ping` keep-alives; clients ignore them, tests count them. */
  | { kind: 'comment'; text: string };

export class SseDecoder {
  #pending = '';
  #started = false;
  #event = '';
  #data: string[] = [];
  #id: string | undefined;

  /** Feeds the next piece of the body; returns the frames it completed. */
  push(text: string): SseFrame[] {
    let input = this.#pending + text;
    if (!this.#started && input.length > 0) {
      this.#started = true;
      if (input.startsWith('\uFEFF')) input = input.slice(1);
    }
    const frames: SseFrame[] = [];
    let at = 0;
    for (;;) {
      const cr = input.indexOf('\r', at);
      const lf = input.indexOf('\n', at);
      const end = cr < 0 ? lf : lf < 0 ? cr : Math.min(cr, lf);
      if (end < 0) break;
      // A `\r` at the very end may be the first half of `\r\n`: decide when the next piece arrives.
      if (end === cr && cr === input.length - 1) break;
      this.#line(input.slice(at, end), frames);
      at = end + (end === cr && input[cr + 1] === '\n' ? 2 : 1);
    }
    this.#pending = input.slice(at);
    return frames;
  }

  /** The body ended: a last line without terminator is read, an event without its blank line is dropped (as the spec says). */
  end(): SseFrame[] {
    const frames: SseFrame[] = [];
    const rest = this.#pending.endsWith('\r') ? this.#pending.slice(0, -1) : this.#pending;
    if (rest !== '') this.#line(rest, frames);
    this.#pending = '';
    this.#event = '';
    this.#data = [];
    return frames;
  }

  #line(line: string, frames: SseFrame[]): void {
    if (line === '') {
      if (this.#data.length > 0) frames.push({ kind: 'event', event: this.#event || 'message', data: this.#data.join('\n'), id: this.#id });
      this.#event = '';
      this.#data = [];
      return;
    }
    const colon = line.indexOf(':');
    if (colon === 0) {
      frames.push({ kind: 'comment', text: withoutLeadingSpace(line.slice(1)) });
      return;
    }
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : withoutLeadingSpace(line.slice(colon + 1));
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#event = value;
    else if (field === 'id' && !value.includes('\0')) this.#id = value;
    // `retry` and unknown fields carry nothing a client of ours uses.
  }
}

function withoutLeadingSpace(value: string): string {
  return value.startsWith(' ') ? value.slice(1) : value;
}
