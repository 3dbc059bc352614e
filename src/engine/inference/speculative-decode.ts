/**
 * The decode loop with prompt-lookup speculation, on `controlledEvaluate`: each step evaluates the pending
 * input plus a draft (prompt-lookup.ts) in one batch and reads the next-token logits at every draft
 * position, so k accepted draft tokens cost one weight pass instead of k. node-llama-cpp's own predictor
 * path validates at most one predicted token per step, hence this loop.
 *
 * Greedy: a draft token is kept while it equals the argmax at its position, so the output is the plain
 * loop's. With temperature: each position is verified by the speculative-sampling rule
 * (speculative-sampling.ts) on the distribution llama.cpp's sampler chain produced (bias, penalties,
 * top-k/top-p, temperature), drawn from our own seeded generator.
 *
 * Only for steps without a grammar: controlledEvaluate takes no grammar, so requests with a JSON
 * response format or planned tool calls keep the plain loop (generation-run.ts decides).
 */
import type { ControlledEvaluateInputItem, LlamaContextSequence, Token, TokenBias } from 'node-llama-cpp';
import { createRng } from '../../modelgen/prng.ts';
import { DraftController } from './draft-controller.ts';
import type { PreparedRequest } from './prepared-request.ts';
import { type Draft, lookupDraft } from './prompt-lookup.ts';
import type { Steering, StepAction } from './response-steering.ts';
import { toEvaluateOptions } from './sampling-options.ts';
import { verifyDraftToken } from './speculative-sampling.ts';
import type { FinishReason, SpeculationConfig, SpeculationStats } from './types.ts';

export type { SpeculationConfig, SpeculationStats };

/**
 * On by default: a draft is verified only when the text has shown that it copies (draft-controller.ts),
 * so where nothing repeats the cost is the lookup alone — the no-match bench row measured 1.01× plain, the
 * copy row 1.47× (docs/benchmarks.md). `speculative: {enabled: false}` or `serve --no-speculative` turns it off.
 */
export const DEFAULT_SPECULATION: SpeculationConfig = { enabled: true, maxDraft: 32, minNgram: 2, maxNgram: 4 };

export interface DecodeHooks {
  signal: AbortSignal;
  /** Called once, when the first token has been sampled. */
  onFirstToken: () => void;
  /** Applies a sampled token to the steering; returns what to do. */
  accept: (token: Token) => StepAction;
  /** Tokens generated so far (kept + injected), shared with the caller. */
  generated: Token[];
  /** Drafts for what follows `history`, at most `max` tokens; default prompt lookup. */
  propose?: DraftSource;
}

export type DraftSource = (history: readonly Token[], max: number) => Token[];

export interface DecodeOutcome {
  finishReason: FinishReason;
  speculation: SpeculationStats;
}

export async function speculativeDecode(
  sequence: LlamaContextSequence,
  req: PreparedRequest,
  steering: Steering,
  firstInput: Token[],
  config: SpeculationConfig,
  hooks: DecodeHooks,
): Promise<DecodeOutcome> {
  const { generated } = hooks;
  const greedy = req.sampling.temperature <= 0;
  const base = toEvaluateOptions(req.sampling, generated);
  const rng = createRng(base.seed ?? 0);
  const nextSeed = () => Math.floor(rng() * 2 ** 31);
  const timingAllowed = greedy || req.sampling.seed === undefined;
  // An injected draft source (tests of the verification rule) is verified as proposed; prompt lookup is
  // verified only when the measured costs and acceptance say it pays (draft-controller.ts).
  const controller = new DraftController({ maxDraft: config.maxDraft, policy: hooks.propose === undefined ? 'measured' : 'always' });
  const { propose } = hooks;
  const lookup = (history: readonly Token[], max: number): Draft =>
    propose === undefined
      ? lookupDraft(history, { minNgram: config.minNgram, maxNgram: config.maxNgram, maxDraft: max })
      : { tokens: propose(history, max), run: 0 };
  // Everything the model has seen or written; drafts are looked up in it.
  const history: Token[] = [...req.tokens];
  let input = firstInput;
  let first = true;
  const stats = (): SpeculationStats => ({
    drafts: controller.drafts,
    draftedTokens: controller.draftedTokens,
    acceptedTokens: controller.acceptedTokens,
  });

  while (true) {
    // A step's cost is the whole iteration (lookup, batch, steering, erasing a rejected tail): on a small
    // model the work around the batch is a large part of a plain step.
    const stepStart = performance.now();
    if (hooks.signal.aborted) throw hooks.signal.reason;
    // Drafts are evaluated into the sequence: prompt + generated + draft stays within prompt + maxTokens.
    const room = req.maxTokens - generated.length;
    const proposal = room > 0 ? lookup(history, Math.min(controller.maxDraft, room)) : { tokens: [], run: 0 };
    const draft = proposal.tokens.slice(0, controller.plan(proposal.tokens.length, proposal.run));
    if (draft.length === 0) controller.shadow(proposal.tokens, proposal.run);

    const bias: TokenBias = steering.bias;
    const at = (i: number): ControlledEvaluateInputItem => {
      // Penalties see the tokens as if the draft before this position were accepted: only then is it used.
      const penalised = i === 0 ? generated : [...generated, ...draft.slice(0, i)];
      const { repeatPenalty, ...sampler } = toEvaluateOptions(req.sampling, penalised);
      const options = { ...sampler, seed: base.seed ?? 0, tokenBias: bias, ...(repeatPenalty === undefined ? {} : { repeatPenalty }) };
      const token = i === 0 ? (input[input.length - 1] as Token) : (draft[i - 1] as Token);
      if (greedy) return [token, { generateNext: { token: true, options } }];
      // Without a draft nothing is verified: llama.cpp's sampler draws from the same chain, seeded afresh
      // from our generator each step (a sampler lives for one call), which spares reading the whole
      // probability list back — costly with a large vocabulary.
      if (draft.length === 0) return [token, { generateNext: { token: true, options: { ...options, seed: nextSeed() } } }];
      return [token, { generateNext: { probabilities: true, options } }];
    };
    const batch: ControlledEvaluateInputItem[] = input.slice(0, -1);
    for (let i = 0; i <= draft.length; i++) batch.push(at(i));
    const results = await sequence.controlledEvaluate(batch);

    let stopped: FinishReason | undefined;
    let keep = draft.length;
    let next: Token[] | undefined;
    for (let i = 0; i <= draft.length; i++) {
      const next_ = results[input.length - 1 + i]?.next;
      const proposed = draft[i];
      let token: Token | undefined;
      let accepted = false;
      if (greedy || draft.length === 0) {
        token = next_?.token ?? undefined;
        accepted = token !== undefined && token === proposed;
      } else if (next_?.probabilities !== undefined) {
        const verdict = verifyDraftToken(next_.probabilities, proposed, rng);
        token = verdict?.token;
        accepted = verdict?.accepted === true;
      }
      if (first) {
        first = false;
        hooks.onFirstToken();
      }
      if (token === undefined) {
        stopped = steering.endReason();
        keep = i;
        break;
      }
      const action = hooks.accept(token);
      if (action.kept) {
        generated.push(token);
        history.push(token);
        controller.generated(token);
      }
      if (action.injected !== undefined) {
        generated.push(...action.injected);
        history.push(...action.injected);
        for (const t of action.injected) controller.generated(t);
      }
      if (action.finish !== undefined) {
        stopped = action.finish;
        keep = i;
        break;
      }
      if (generated.length >= req.maxTokens) {
        stopped = steering.budgetReason();
        keep = i;
        break;
      }
      // The logits after this position were computed for the draft token under the old bias and grammar.
      const changed = action.evaluate !== undefined || steering.bias !== bias || steering.grammar !== undefined;
      if (!accepted || changed || i === draft.length) {
        keep = i;
        next = action.evaluate ?? [token];
        break;
      }
    }
    const evaluatedDrafts = draft.length;
    if (keep < evaluatedDrafts) {
      const end = sequence.nextTokenIndex;
      await sequence.eraseContextTokenRanges([{ start: end - (evaluatedDrafts - keep), end }]);
    }
    // Only decode steps are timed: the first one also evaluates the uncached prompt tail. A seeded request
    // with temperature is not: which steps draft changes how its generator is consumed, and timings would
    // make the same seed give different text from run to run (greedy output never depends on drafting).
    const timed = input.length === 1 && timingAllowed ? performance.now() - stepStart : undefined;
    if (draft.length > 0) controller.record(draft.length, Math.min(keep, draft.length), timed);
    else controller.plainStep(timed);
    if (stopped !== undefined) return { finishReason: stopped, speculation: stats() };
    if (next === undefined) return { finishReason: steering.endReason(), speculation: stats() };
    if (steering.grammar !== undefined) {
      // A grammar phase began (not reachable for requests this loop is chosen for); refuse rather than ignore it.
      throw new Error('speculative decode reached a grammar-constrained phase');
    }
    input = next;
  }
}
