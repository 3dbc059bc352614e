/**
 * Incremental scanner that tells when one top-level JSON value is complete. The generation loop
 * feeds it the tool-call argument text as it is sampled and drops the JSON grammar the moment the
 * value closes, so the model can end the turn or start another call.
 *
 * It only tracks structure (nesting, strings, escapes); the grammar guarantees validity.
 */
export class JsonValueScanner {
  #depth = 0;
  #inString = false;
  #escaped = false;
  #started = false;
  #complete = false;
  /** A top-level scalar (number, true, false, null) is complete only when a delimiter follows it. */
  #scalar = false;

  get complete(): boolean {
    return this.#complete;
  }

  get started(): boolean {
    return this.#started;
  }

  /**
   * Consumes text; returns how many characters belong to the value (all of them unless the value
   * completed inside this chunk).
   */
  push(text: string): number {
    for (let i = 0; i < text.length; i++) {
      if (this.#complete) return i;
      const ch = text[i] as string;
      if (this.#inString) {
        if (this.#escaped) this.#escaped = false;
        else if (ch === '\\') this.#escaped = true;
        else if (ch === '"') {
          this.#inString = false;
          if (this.#depth === 0) this.#complete = true;
        }
        continue;
      }
      if (this.#scalar) {
        if (/[\s,\]}]/.test(ch)) {
          this.#complete = true;
          return i;
        }
        continue;
      }
      if (/\s/.test(ch)) continue;
      if (ch === '"') {
        this.#started = true;
        this.#inString = true;
      } else if (ch === '{' || ch === '[') {
        this.#started = true;
        this.#depth++;
      } else if (ch === '}' || ch === ']') {
        this.#depth--;
        if (this.#depth <= 0) {
          this.#complete = true;
          return i + 1;
        }
      } else if (this.#depth === 0) {
        this.#started = true;
        this.#scalar = true;
      }
    }
    return text.length;
  }
}
