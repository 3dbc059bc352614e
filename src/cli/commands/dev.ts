/**
 * `slm-copilot dev make-model <tiny|scripted|bench> --out FILE`: developer tools, currently the
 * deterministic test-model generator.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { MODEL_KINDS, makeModel, TENSOR_TYPES } from '../../modelgen/make-model.ts';
import type { CliCommand } from '../main.ts';

const HELP = `Usage: slm-copilot dev make-model <tiny|scripted|bench> --out FILE [options]

Generates a deterministic llama-architecture GGUF test model (Devstral tokenizer controls and chat template).
  tiny      random weights, ~0.6 MB
  scripted  greedy decoding of an assistant turn yields --text (after [/INST]) or --after-tool
            (after [/TOOL_RESULTS]), then </s>
  bench     random weights, Q8_0, ~440 MB, for throughput figures

Options:
  --out FILE            output path (required)
  --text TEXT           scripted: text after [/INST] (default: [TOOL_CALLS]attempt_completion[ARGS]{"result":"done"})
  --after-tool TEXT     scripted: text after [/TOOL_RESULTS] (default: "Done: the task is complete.")
  --seed N              random weights seed (default 1)
  --type f32|f16|q8_0   matrix type (default: f32 for tiny/scripted, q8_0 for bench)
  --context-length N    trained context length written to the file (default 4096; bench 8192)
`;

const optionsSchema = z.object({
  kind: z.enum(MODEL_KINDS),
  out: z.string().min(1),
  text: z.string().optional(),
  afterTool: z.string().optional(),
  seed: z.coerce.number().int().min(0).max(0xffffffff).optional(),
  type: z.enum(Object.keys(TENSOR_TYPES) as [keyof typeof TENSOR_TYPES]).optional(),
  contextLength: z.coerce
    .number()
    .int()
    .min(16)
    .max(1 << 20)
    .optional(),
});

export const devCommand: CliCommand = {
  summary: 'Developer tools: make-model <tiny|scripted|bench> generates a deterministic test GGUF.',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        out: { type: 'string', short: 'o' },
        text: { type: 'string' },
        'after-tool': { type: 'string' },
        seed: { type: 'string' },
        type: { type: 'string' },
        'context-length': { type: 'string' },
      },
    });
    if (values.help === true) {
      process.stdout.write(HELP);
      return 0;
    }
    const [sub, kind, ...extra] = positionals;
    if (sub !== 'make-model' || extra.length > 0) {
      process.stderr.write(HELP);
      return 2;
    }
    const parsed = optionsSchema.safeParse({
      kind,
      out: values.out,
      text: values.text,
      afterTool: values['after-tool'],
      seed: values.seed,
      type: values.type,
      contextLength: values['context-length'],
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      process.stderr.write(`slm-copilot dev: ${issue?.path.join('.') || 'argument'}: ${issue?.message ?? 'invalid'}\n`);
      return 2;
    }
    const o = parsed.data;
    const started = performance.now();
    const made = await makeModel({
      kind: o.kind,
      out: o.out,
      ...(o.text !== undefined ? { text: o.text } : {}),
      ...(o.afterTool !== undefined ? { afterToolText: o.afterTool } : {}),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...(o.type !== undefined ? { type: o.type } : {}),
      ...(o.contextLength !== undefined ? { contextLength: o.contextLength } : {}),
    });
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`path: ${made.path}\nbytes: ${made.bytes}\nsha256: ${made.sha256}\nseconds: ${seconds.toFixed(2)}\n`);
    return 0;
  },
};
