/**
 * Streaming parser for Devstral's native tool-call syntax:
 *
 *   content text [TOOL_CALLS]name[ARGS]{json}[TOOL_CALLS]other[ARGS]{json}</s>
 *
 * `[TOOL_CALLS]` and `[ARGS]` are control tokens, so the caller recognises them by token id and passes
 * markers; everything else arrives as decoded text. Text before the first marker is content. The
 * parser turns the stream into contract events and keeps the calls; its `phase` tells the generation
 * loop which constraint to apply next (tool-name grammar, JSON grammar, nothing).
 */
import type { GenerationEvent, ToolCall } from '../inference/types.ts';
import { JsonValueScanner } from './json-value-scanner.ts';

export type ParserInput = { type: 'text'; text: string } | { type: 'tool-calls-marker' } | { type: 'args-marker' };

export type ParserPhase = 'content' | 'name' | 'arguments' | 'after-arguments';

export type ParsedEvent = Extract<GenerationEvent, { type: 'content' | 'tool-call-start' | 'tool-call-arguments' }>;

interface CallState {
  call: ToolCall;
  complete: boolean;
}

export class ToolCallParser {
  readonly #newId: () => string;
  #phase: ParserPhase = 'content';
  #name = '';
  #calls: CallState[] = [];
  #scanner = new JsonValueScanner();

  constructor(newId: () => string) {
    this.#newId = newId;
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
    switch (input.type) {
      case 'tool-calls-marker':
        if (this.#phase !== 'arguments') {
          this.#phase = 'name';
          this.#name = '';
        }
        break;
      case 'args-marker':
        if (this.#phase === 'name') this.#startCall(events);
        break;
      case 'text':
        this.#text(input.text, events);
        break;
    }
    return events;
  }

  #startCall(events: ParsedEvent[]): void {
    const index = this.#calls.length;
    const call: ToolCall = { id: this.#newId(), name: this.#name.trim(), arguments: '' };
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
