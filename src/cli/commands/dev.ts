/**
 * `slm-copilot dev make-model <tiny|scripted|bench|agent> --out FILE`: developer tools, currently the
 * deterministic test-model generator.
 */
import { choiceOption, intOption, textOption } from '../../lib/options.ts';
import { MODEL_KINDS, makeModel, TENSOR_TYPES } from '../../modelgen/make-model.ts';
import { defineCommand, defineGroup } from '../command.ts';

const tensorTypes = Object.keys(TENSOR_TYPES) as [keyof typeof TENSOR_TYPES, ...(keyof typeof TENSOR_TYPES)[]];

const makeModelCommand = defineCommand('dev make-model', {
  summary: 'Generate a deterministic llama-architecture GGUF test model (Devstral tokenizer controls and chat template).',
  description: `  tiny      random weights, ~0.6 MB
  scripted  greedy decoding of an assistant turn yields --text (after [/INST]) or --after-tool
            (after [/TOOL_RESULTS]), then </s>
  bench     random weights, Q8_0, ~440 MB, for throughput figures`,
  positionals: { kind: choiceOption(MODEL_KINDS, { required: true, description: 'which model' }) },
  options: {
    out: textOption({ short: 'o', placeholder: 'FILE', required: true, description: 'output path' }),
    text: textOption({
      placeholder: 'TEXT',
      description: 'scripted: text after [/INST]',
      defaultText: '[TOOL_CALLS]attempt_completion[ARGS]{"result":"done"}',
    }),
    'after-tool': textOption({
      placeholder: 'TEXT',
      description: 'scripted: text after [/TOOL_RESULTS]',
      defaultText: '"Done: the task is complete."',
    }),
    seed: intOption({ min: 0, max: 0xffffffff, description: 'random weights seed', defaultText: '1' }),
    type: choiceOption(tensorTypes, { description: 'matrix type', defaultText: 'f32 for tiny/scripted, q8_0 for bench, f16 for agent' }),
    'context-length': intOption({
      min: 16,
      max: 1 << 20,
      description: 'trained context length written to the file',
      defaultText: '4096; bench 8192; agent 262144',
    }),
  },
  async run(o) {
    const started = performance.now();
    const made = await makeModel({
      kind: o.kind,
      out: o.out,
      ...(o.text !== undefined ? { text: o.text } : {}),
      ...(o['after-tool'] !== undefined ? { afterToolText: o['after-tool'] } : {}),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...(o.type !== undefined ? { type: o.type } : {}),
      ...(o['context-length'] !== undefined ? { contextLength: o['context-length'] } : {}),
    });
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`path: ${made.path}\nbytes: ${made.bytes}\nsha256: ${made.sha256}\nseconds: ${seconds.toFixed(2)}\n`);
    return 0;
  },
});

export const devCommand = defineGroup('dev', {
  summary: 'Developer tools: make-model <tiny|scripted|bench|agent> generates a deterministic test GGUF.',
  commands: [makeModelCommand],
});
