/**
 * The `scripted` model: a bigram model whose greedy continuation of an assistant turn is a fixed text.
 *
 * Attention and FFN matrices are zero, so the residual stream (hence the final norm's input) is just the
 * embedding of the current token. Each token with a scripted successor gets its own embedding axis and the
 * successor's output row points along that axis; every other token shares a "sink" axis that leads to
 * `</s>`. For the chain to be exact each token may appear in it only once, so the script is cut into
 * distinct pieces; pieces missing from the BPE vocabulary become extra normal tokens of this model (never
 * produced by tokenizing text, but they detokenize to the script).
 */
import { encodePiece, fromByteSymbols, mergeRanks, preTokenize, toByteSymbols } from './byte-level-bpe.ts';
import type { WeightProvider } from './llama-architecture.ts';
import { CONTROL_TOKENS, type ControlToken, controlId, EOS_TOKEN, extendVocabulary, TokenType, type Vocabulary } from './vocabulary.ts';

export const DEFAULT_SCRIPTED_TEXT = '[TOOL_CALLS]attempt_completion[ARGS]{"result":"done"}';
export const DEFAULT_AFTER_TOOL_TEXT = 'Done: the task is complete.';

/** Tokens after which an assistant turn starts. */
const USER_TURN_END: ControlToken = '[/INST]';
const TOOL_TURN_END: ControlToken = '[/TOOL_RESULTS]';
/** Control tokens a script may not contain (they delimit turns). */
const RESERVED: ReadonlySet<string> = new Set(['<s>', '</s>', '[INST]', '[/INST]', '[TOOL_RESULTS]', '[/TOOL_RESULTS]']);

/** Logit of the scripted successor; every other logit is 0, so even sampling and penalties keep to the script. */
const SUCCESSOR_LOGIT = 40;

export interface ScriptPlan {
  vocab: Vocabulary;
  /** Token ids generated after `[/INST]` and after `[/TOOL_RESULTS]` (EOS not included). */
  afterUser: number[];
  afterTool: number[];
  /** token id → successor id, for every token with a scripted successor. */
  successor: Map<number, number>;
}

/** `repeat`: the text starts again after its last token instead of ending the turn (a model that never stops). */
export function planScript(base: Vocabulary, text: string, afterToolText: string, repeat = false): ScriptPlan {
  const used = new Set<string>();
  const extras: string[] = [];
  const toSymbols = (pieces: Piece[]): string[] => pieces.map((p) => (p.control ? p.text : toByteSymbols(p.text)));
  const ranks = mergeRanks(base.merges);
  const a = cutScript(text, used, ranks);
  const b = cutScript(afterToolText, used, ranks);
  for (const s of [...toSymbols(a), ...toSymbols(b)]) if (!base.idOf.has(s)) extras.push(s);
  const vocab = extendVocabulary(base, extras);
  const ids = (pieces: Piece[]): number[] => toSymbols(pieces).map((s) => vocab.idOf.get(s)!);
  const afterUser = ids(a);
  const afterTool = ids(b);
  const eos = vocab.idOf.get(EOS_TOKEN)!;
  const successor = new Map<number, number>();
  const link = (start: number, chain: number[], again = false): void => {
    const all = [start, ...chain, again && chain.length > 0 ? chain[0]! : eos];
    for (let i = 0; i + 1 < all.length; i++) successor.set(all[i]!, all[i + 1]!);
  };
  link(controlId(USER_TURN_END), afterUser, repeat);
  link(controlId(TOOL_TURN_END), afterTool);
  return { vocab, afterUser, afterTool, successor };
}

interface Piece {
  text: string;
  control: boolean;
}

const markerPattern = new RegExp(`(${CONTROL_TOKENS.map((t) => t.replace(/[[\]/|<>]/g, (c) => `\\${c}`)).join('|')})`, 'g');

/** Splits a script into control markers and distinct text pieces, recording them in `used`. */
function cutScript(text: string, used: Set<string>, ranks: ReadonlyMap<string, number>): Piece[] {
  const pieces: Piece[] = [];
  for (const part of text.split(markerPattern)) {
    if (part === '') continue;
    if ((CONTROL_TOKENS as readonly string[]).includes(part)) {
      if (RESERVED.has(part)) throw new Error(`a script may not contain ${part}`);
      const key = `control:${part}`;
      if (used.has(key)) throw new Error(`${part} may appear only once across the scripts (the model is a bigram chain)`);
      used.add(key);
      pieces.push({ text: part, control: true });
      continue;
    }
    const cut = cutText(part, used, ranks);
    if (cut === undefined) throw new Error(`cannot cut ${JSON.stringify(part)} into distinct tokens; make the script less repetitive`);
    for (const p of cut) {
      used.add(`text:${p}`);
      pieces.push({ text: p, control: false });
    }
  }
  return pieces;
}

/**
 * Depth-first search for a cut of `text` into pieces unused so far, preferring the tokenizer's own
 * pieces, then longer ones, then shorter ones. Cuts fall on code points, never inside a UTF-8 sequence.
 */
function cutText(text: string, used: ReadonlySet<string>, ranks: ReadonlyMap<string, number>): string[] | undefined {
  const cps = Array.from(text);
  const boundaries = new Set<number>();
  let at = 0;
  for (const pre of preTokenize(text)) {
    at += Array.from(pre).length;
    boundaries.add(at);
  }
  const taken = new Set<string>();
  let budget = 200_000;
  const search = (pos: number): string[] | undefined => {
    if (pos === cps.length) return [];
    if (--budget < 0) return undefined;
    let end = pos + 1;
    while (end < cps.length && !boundaries.has(end)) end++;
    const natural = naturalLength(cps.slice(pos, end).join(''), ranks);
    const remaining = cps.length - pos;
    const lengths: number[] = [natural, end - pos];
    for (let n = natural + 1; n <= remaining; n++) lengths.push(n);
    for (let n = natural - 1; n >= 1; n--) lengths.push(n);
    const tried = new Set<number>();
    for (const n of lengths) {
      if (tried.has(n) || n > remaining) continue;
      tried.add(n);
      const piece = cps.slice(pos, pos + n).join('');
      if (used.has(`text:${piece}`) || taken.has(piece)) continue;
      taken.add(piece);
      const rest = search(pos + n);
      if (rest !== undefined) return [piece, ...rest];
      taken.delete(piece);
    }
    return undefined;
  };
  return search(0);
}

/** Length in code points of the tokenizer's first token of `word`, widened to whole code points. */
function naturalLength(word: string, ranks: ReadonlyMap<string, number>): number {
  const first = encodePiece(word, ranks)[0];
  if (first === undefined) return 1;
  const decoded = fromByteSymbols(first);
  if (toByteSymbols(decoded) === first) return Math.max(1, Array.from(decoded).length);
  return 1;
}

/** Weights realising the plan: one-hot embeddings, successor logits, everything else zero. */
export function scriptedWeights(plan: ScriptPlan, embd: number): WeightProvider {
  const axis = new Map<number, number>();
  for (const id of plan.successor.keys()) axis.set(id, axis.size + 1); // axis 0 is the sink
  if (axis.size + 1 > embd) throw new Error(`embedding length ${embd} too small for ${axis.size + 1} axes`);
  const eos = plan.vocab.idOf.get(EOS_TOKEN)!;
  // Once normalised, a one-hot embedding has the value sqrt(embd) on its axis.
  const weight = SUCCESSOR_LOGIT / Math.sqrt(embd);
  const predecessors = new Map<number, number[]>();
  for (const [from, to] of plan.successor) predecessors.set(to, [...(predecessors.get(to) ?? []), axis.get(from)!]);
  predecessors.set(eos, [0, ...(predecessors.get(eos) ?? [])]);
  return (name, dims) => {
    const ne0 = dims[0]!;
    if (dims.length === 1) return (_row, out) => out.fill(1);
    if (name === 'token_embd.weight') {
      return (firstRow, out) => {
        out.fill(0);
        for (let r = 0; r < out.length / ne0; r++) out[r * ne0 + (axis.get(firstRow + r) ?? 0)] = 1;
      };
    }
    if (name === 'output.weight') {
      return (firstRow, out) => {
        out.fill(0);
        for (let r = 0; r < out.length / ne0; r++) {
          for (const a of predecessors.get(firstRow + r) ?? []) out[r * ne0 + a] = weight;
        }
      };
    }
    return (_row, out) => out.fill(0);
  };
}

/** Detokenized text of a chain (control tokens as their text), for checks. */
export function chainText(vocab: Vocabulary, ids: readonly number[]): string {
  return ids.map((id) => (vocab.types[id] === TokenType.NORMAL ? fromByteSymbols(vocab.tokens[id]!) : vocab.tokens[id]!)).join('');
}
