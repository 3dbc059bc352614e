/**
 * Writes OpenAI-style server-sent events: `data: <json>` frames, a final `data: [DONE]`, error frames as
 * `data: {"error":…}` (what the openai SDK turns into an APIError), and `: ping` comments whenever nothing
 * was written for `pingIntervalMs`, so clients and proxies keep a connection open through a long queue
 * wait or prompt evaluation (Cline gives up after 300 s without bytes).
 *
 * Frames may be sent before a sink is attached; they are buffered and flushed in order on attach.
 */
export interface SseSink {
  /** Queues bytes in order; write failures (a gone client) are the caller's sink's business. */
  write(text: string): unknown;
}

export class SseWriter {
  readonly #pingIntervalMs: number;
  #sink: SseSink | undefined;
  #buffer: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #framesSent = 0;

  constructor(pingIntervalMs: number) {
    this.#pingIntervalMs = pingIntervalMs;
  }

  /** Starts writing (and the ping clock) on a real stream. */
  attach(sink: SseSink): void {
    this.#sink = sink;
    for (const text of this.#buffer) sink.write(text);
    this.#buffer = [];
    if (this.#pingIntervalMs > 0 && !this.#closed) {
      this.#timer = setInterval(() => this.#raw(': ping\n\n'), this.#pingIntervalMs);
      this.#timer.unref();
    }
  }

  /** Data frames written so far (pings not counted). */
  get framesSent(): number {
    return this.#framesSent;
  }

  send(frame: unknown): void {
    this.#framesSent++;
    this.#raw(`data: ${JSON.stringify(frame)}\n\n`);
  }

  done(): void {
    this.#raw('data: [DONE]\n\n');
    this.close();
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #raw(text: string): void {
    if (this.#closed) return;
    if (this.#sink === undefined) {
      this.#buffer.push(text);
      return;
    }
    this.#sink.write(text);
    // Any write proves liveness: the next ping is due a full interval after the last byte.
    this.#timer?.refresh();
  }
}
