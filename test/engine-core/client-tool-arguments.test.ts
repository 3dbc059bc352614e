/**
 * The tool schemas Cline CLI 3.0.65 and Continue CLI 1.5.47 really send (test/fixtures/tools): each
 * compiles to an exact grammar, and 50 calls per tool sampled from the random tiny model at
 * temperature 1 through the engine all validate against the client's schema.
 *
 * Length caps: a random model closes strings and arrays only by chance (hundreds of tokens per call,
 * minutes per tool), so the sampled requests declare the same schemas with a maxLength on every
 * string and a maxItems on every array that lack one. That is a subset of the client's schema; the
 * arguments are validated against the client's own schema, and each text is also checked against
 * the grammar the engine builds for the uncapped schema.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Llama, LlamaGrammar } from 'node-llama-cpp';
import { compileJsonSchema } from '../../src/engine/grammar/schema-compiler.ts';
import type { InferenceEngine, ToolDefinition } from '../../src/engine/inference/types.ts';
import { capOpenLengths, grammarAccepts, loadLlama, validatorFor } from '../support/schema-check.ts';
import { chat, run, startEngine, user } from './engine-fixture.ts';

const SAMPLES = 50;

interface FixtureTool {
  function: { name: string; parameters: Record<string, unknown> };
}

function fixtureTools(file: string): ToolDefinition[] {
  const tools = JSON.parse(readFileSync(new URL(`../fixtures/tools/${file}`, import.meta.url), 'utf8')) as FixtureTool[];
  return tools.map((t) => ({ name: t.function.name, parameters: t.function.parameters }));
}

const FIXTURES = ['cline-3.0.65.json', 'continue-1.5.47.json'];

describe('client tool schemas compile exactly', () => {
  for (const file of FIXTURES) {
    it(`${file}: no keyword is widened`, () => {
      const tools = fixtureTools(file);
      assert.ok(tools.length >= 10, `${tools.length} tools`);
      const widened = tools.flatMap((t) => compileJsonSchema(t.parameters).widenings.map((w) => `${t.name} ${w.path} ${w.keyword}`));
      assert.deepEqual(widened, []);
    });
  }
});

describe(`${SAMPLES} sampled calls per client tool validate against its schema (tiny model, temperature 1)`, () => {
  let engine: InferenceEngine;
  let llama: Llama;
  before(async () => {
    engine = await startEngine('tiny');
    llama = await loadLlama();
  });
  after(() => engine.close());

  for (const file of FIXTURES) {
    for (const tool of fixtureTools(file)) {
      it(`${file}: ${tool.name}`, async () => {
        const validate = validatorFor(tool.parameters);
        const production: LlamaGrammar = await llama.createGrammar({ grammar: compileJsonSchema(tool.parameters).grammar });
        const capped: ToolDefinition = { name: tool.name, parameters: capOpenLengths(tool.parameters) as Record<string, unknown> };
        const failures: string[] = [];
        for (let seed = 1; seed <= SAMPLES; seed++) {
          const { result } = await run(
            engine,
            chat([user('Go')], {
              tools: [capped],
              toolChoice: { type: 'function', name: tool.name },
              sampling: { temperature: 1, seed, maxTokens: 400 },
            }),
          );
          const call = result.toolCalls[0];
          if (result.finishReason !== 'tool_calls' || result.toolCalls.length !== 1 || call?.name !== tool.name) {
            failures.push(`seed ${seed}: ${result.finishReason} ${JSON.stringify(result.toolCalls)}`);
            continue;
          }
          if (!validate(JSON.parse(call.arguments))) failures.push(`seed ${seed}: invalid ${call.arguments}`);
          if (!grammarAccepts(production, call.arguments)) failures.push(`seed ${seed}: outside the uncapped grammar ${call.arguments}`);
        }
        assert.deepEqual(failures, []);
      });
    }
  }
});
