/**
 * Streaming parser for marker-based tool-call syntaxes (see tool-call-format.ts):
 *
 *   content text <call>name[<call-id>id]<args>{json}<call>other[<call-id>id]<args>{json}</s>
 *
 * The markers are control tokens, so the caller recognises them by token id and passes markers;
 * everything else arrives as decoded text. Text before the first marker is content. The parser turns
 * the stream into contract events and keeps the calls; its `phase` tells the generation loop which
 * constraint to apply next (tool-name grammar, JSON grammar, nothing).
 */
import type { GenerationEvent, ToolCall } from '../inference/types.ts';
import { JsonValueScanner } from './json-value-scanner.ts';

export type ToolCallMarker = 'call' | 'call-id' | 'args';

export type ParserInput = { type: 'text'; text: string } | { type: 'marker'; marker: ToolCallMarker };

export type ParserPhase = 'content' | 'name' | 'call-id' | 'arguments' | 'after-arguments';

export type ParsedEvent = Extract<GenerationEvent, { type: 'content' | 'tool-call-start' | 'tool-call-arguments' }>;

interface CallState {
  call: ToolCall;
  complete: boolean;
}

export class ToolCallParser {
  readonly #resolveId: (idInOutput: string | undefined) => string;
  #phase: ParserPhase = 'content';
  #name = '';
  #id: string | undefined;
  #calls: CallState[] = [];
  #scanner = new JsonValueScanner();

  /** `resolveId` turns the id written in the output (undefined when there is none) into the client's id. */
  constructor(resolveId: (idInOutput: string | undefined) => string) {
    this.#resolveId = resolveId;
  }

  get phase(): ParserPhase {
    return this.#phase;
  }

  /** The tool name typed so far while in the `name` phase. */
  get pendingName(): string {
    return this.#name;
  }

  /** Calls whose arguments completed. */
  get completedCalls(): ToolCall[] {
    return this.#calls.filter((c) => c.complete).map((c) => ({ ...c.call }));
  }

  /** Every started call, including one cut off mid-arguments. */
  get startedCalls(): ToolCall[] {
    return this.#calls.map((c) => ({ ...c.call }));
  }

  /** True when a call was started but its arguments never closed (budget ran out). */
  get hasIncompleteCall(): boolean {
    return this.#phase === 'arguments';
  }

  push(input: ParserInput): ParsedEvent[] {
    const events: ParsedEvent[] = [];
    if (input.type === 'text') {
      this.#text(input.text, events);
      return events;
    }
    switch (input.marker) {
      case 'call':
        if (this.#phase !== 'arguments') {
          this.#phase = 'name';
          this.#name = '';
          this.#id = undefined;
        }
        break;
      case 'call-id':
        if (this.#phase === 'name') {
          this.#phase = 'call-id';
          this.#id = '';
        }
        break;
      case 'args':
        if (this.#phase === 'name' || this.#phase === 'call-id') this.#startCall(events);
        break;
    }
    return events;
  }

  #startCall(events: ParsedEvent[]): void {
    const index = this.#calls.length;
    const call: ToolCall = { id: this.#resolveId(this.#id?.trim()), name: this.#name.trim(), arguments: '' };
    this.#calls.push({ call, complete: false });
    this.#phase = 'arguments';
    this.#scanner = new JsonValueScanner();
    events.push({ type: 'tool-call-start', index, id: call.id, name: call.name });
  }

  #text(text: string, events: ParsedEvent[]): void {
    if (text === '') return;
    switch (this.#phase) {
      case 'content':
        events.push({ type: 'content', text });
        return;
      case 'name':
        this.#name += text;
        return;
      case 'call-id':
        this.#id += text;
        return;
      case 'arguments': {
        const state = this.#calls[this.#calls.length - 1] as CallState;
        const used = this.#scanner.push(text);
        let delta = text.slice(0, used);
        // Whitespace before the value opens carries nothing; keep the arguments text tidy.
        if (state.call.arguments === '') delta = delta.trimStart();
        if (delta !== '') {
          state.call.arguments += delta;
          events.push({ type: 'tool-call-arguments', index: this.#calls.length - 1, delta });
        }
        if (this.#scanner.complete) {
          state.complete = true;
          this.#phase = 'after-arguments';
          this.#text(text.slice(used), events);
        }
        return;
      }
      case 'after-arguments': {
        // Devstral ends a call with </s> or starts another; stray text after a call is kept as content.
        const trimmed = text.trim();
        if (trimmed !== '') events.push({ type: 'content', text });
        return;
      }
    }
  }
}
