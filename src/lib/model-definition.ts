/**
 * The model definition: a LocalAI-compatible model YAML (`/models/<name>.yaml`), so an existing LocalAI
 * file keeps working. The engine reads it (`serve --config`), the appliance selects one from /models and
 * derives the engine's copy from it, the image build and the local stack write them. Unknown keys
 * (backend, f16, mmap, template, …) are tolerated and kept; the ones we use are checked here.
 *
 *   name: devstral-small-2          # the model id clients send (see MODEL_ID_ALLOWED)
 *   context_size: 32768
 *   threads: 2
 *   parallel: 1                     # ours, optional
 *   prefix_cache:                   # ours, optional: disk tier of the prompt-prefix cache
 *     dir: /var/lib/slm-copilot/prefix-cache   # relative to the YAML's directory
 *     budget_mb: 20480              # optional; default half of the free disk space
 *   speculative:                    # ours, optional: prompt-lookup speculative decoding
 *     enabled: true
 *     max_draft: 32                 # longest draft verified per step
 *     min_ngram: 2                  # shortest repeated n-gram that proposes a draft
 *     max_ngram: 4
 *   stopwords: ["</s>"]             # LocalAI's name for default stop strings
 *   chat_template: devstral.jinja   # ours, optional: a Jinja file used instead of the GGUF's template
 *   chat_template_format: jinja     # ours, optional: jinja (needs chat_template) | builtin (our v13 renderer)
 *   parameters:
 *     model: devstral.gguf          # relative to the YAML's directory
 *     temperature: 0.15
 *
 * A field is added in the schema below only: the reader, the writer and the round trip follow, and a
 * field made with `filePath()` is resolved and relocated by every consumer through `mapModelFiles`.
 */
import { basename } from 'node:path';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from './errors.ts';

const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;
/** The id rule in words, for error messages and help texts. */
export const MODEL_ID_ALLOWED = '1 to 128 letters, digits and . _ : / - starting with a letter or digit';
/** A model id as clients send it; it is rendered into client configs, the report and OneGate data. */
export const modelIdSchema = z.string().regex(MODEL_ID, `allowed: ${MODEL_ID_ALLOWED}`);

export function isModelId(text: string): boolean {
  return MODEL_ID.test(text);
}

/** The id a bare weights file is served as: its name without `.gguf`, made to fit the id rule. */
export function modelIdFromFileName(fileName: string): string {
  const id = basename(fileName)
    .replace(/\.gguf$/i, '')
    .replace(/[^A-Za-z0-9._:/-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 128);
  if (!isModelId(id)) throw new Error(`cannot derive a model id from "${fileName}" (${MODEL_ID_ALLOWED}); give one explicitly`);
  return id;
}

const fileFieldSchemas = new WeakSet<z.ZodType>();

/** A file named relative to the definition's directory; consumers resolve or relocate it (mapModelFiles). */
function filePath() {
  const schema = z
    .string()
    .min(1)
    .regex(/^[^\n\r\0]+$/, 'one line, no NUL');
  fileFieldSchemas.add(schema);
  return schema;
}

const positiveInt = z.number().int().min(1);

const parametersSchema = z.looseObject({
  model: filePath(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  seed: z.number().int().optional(),
  max_tokens: positiveInt.optional(),
  presence_penalty: z.number().min(-2).max(2).optional(),
  frequency_penalty: z.number().min(-2).max(2).optional(),
});

const speculativeSchema = z
  .strictObject({
    enabled: z.boolean().optional(),
    max_draft: z.number().int().min(1).max(64).optional(),
    min_ngram: z.number().int().min(1).max(16).optional(),
    max_ngram: z.number().int().min(1).max(16).optional(),
  })
  .refine((s) => (s.min_ngram ?? 1) <= (s.max_ngram ?? 16), { message: 'min_ngram must not exceed max_ngram', path: ['min_ngram'] });

export const CHAT_TEMPLATE_FORMATS = ['jinja', 'builtin'] as const;

const definitionFields = z.looseObject({
  name: z.string().min(1).optional(),
  context_size: positiveInt.optional(),
  threads: positiveInt.optional(),
  parallel: positiveInt.optional(),
  prefix_cache: z
    .strictObject({
      dir: z
        .string()
        .min(1)
        .regex(/^[^\n\r\0]+$/, 'one line, no NUL'),
      budget_mb: positiveInt.optional(),
    })
    .optional(),
  speculative: speculativeSchema.optional(),
  stopwords: z.array(z.string()).optional(),
  chat_template: filePath().optional(),
  chat_template_format: z.enum(CHAT_TEMPLATE_FORMATS, `allowed: ${CHAT_TEMPLATE_FORMATS.join(', ')}`).optional(),
  parameters: parametersSchema,
});

function templateRule(d: z.output<typeof definitionFields>, ctx: z.RefinementCtx): void {
  if (d.chat_template_format === 'builtin' && d.chat_template !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['chat_template'],
      message: 'chat_template_format builtin uses no template file; remove one of them',
    });
  if (d.chat_template_format === 'jinja' && d.chat_template === undefined)
    ctx.addIssue({ code: 'custom', path: ['chat_template'], message: 'chat_template_format jinja needs chat_template (a Jinja file)' });
}

const modelDefinitionSchema = definitionFields.superRefine(templateRule);

/** A served definition (the appliance's): the id is required and follows the id rule. */
const servedModelDefinitionSchema = definitionFields.extend({ name: modelIdSchema }).superRefine(templateRule);

export type ModelDefinition = z.output<typeof modelDefinitionSchema>;
export type ServedModelDefinition = z.output<typeof servedModelDefinitionSchema>;
/** The sampling defaults a definition can carry: the known `parameters` besides the weights. */
export type ModelSamplingField = Exclude<keyof typeof parametersSchema.shape, 'model'>;

function fileFieldPaths(schema: z.ZodType, at: readonly string[]): string[][] {
  if (fileFieldSchemas.has(schema)) return [[...at]];
  if (schema instanceof z.ZodOptional) return fileFieldPaths(schema.unwrap() as z.ZodType, at);
  if (schema instanceof z.ZodObject)
    return Object.entries(schema.shape as Record<string, z.ZodType>).flatMap(([key, s]) => fileFieldPaths(s, [...at, key]));
  return [];
}

/** Dotted paths of every file field, e.g. `parameters.model`. */
export const MODEL_FILE_FIELDS: readonly string[] = fileFieldPaths(definitionFields, []).map((p) => p.join('.'));

/** A copy with every file field that is set replaced by `relocate(value, field)`. */
export function mapModelFiles<T extends ModelDefinition>(definition: T, relocate: (path: string, field: string) => string): T {
  const copy = structuredClone(definition);
  for (const field of MODEL_FILE_FIELDS) {
    const keys = field.split('.');
    const last = keys.pop() as string;
    let parent: Record<string, unknown> | undefined = copy;
    for (const key of keys) parent = parent?.[key] as Record<string, unknown> | undefined;
    const value = parent?.[last];
    if (parent !== undefined && typeof value === 'string') parent[last] = relocate(value, field);
  }
  return copy;
}

function issuesOf(error: z.ZodError, file: string): ConfigIssue[] {
  return error.issues.map((i) => ({ field: `${file}: ${i.path.map(String).join('.') || '(root)'}`, message: i.message }));
}

export interface ParseOptions {
  /** Require `name` and the id rule (every definition the appliance serves or writes). */
  requireId?: boolean;
}

/**
 * The reader: YAML text → a checked definition. `file` names the file in errors; every problem is one
 * ConfigError issue whose field is `<file>: <dotted.field>`.
 */
export function parseModelDefinition(text: string, file: string, options: { requireId: true }): ServedModelDefinition;
export function parseModelDefinition(text: string, file: string, options?: ParseOptions): ModelDefinition;
export function parseModelDefinition(text: string, file: string, options: ParseOptions = {}): ModelDefinition {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ConfigError([{ field: file, message: `not valid YAML: ${reason}` }]);
  }
  const schema = options.requireId === true ? servedModelDefinitionSchema : modelDefinitionSchema;
  const result = schema.safeParse(raw ?? {});
  if (!result.success) throw new ConfigError(issuesOf(result.error, file));
  return result.data;
}

/**
 * The writer: a definition → YAML text (via `yaml`, never templated), checked like a served definition
 * so that what is written is what the reader accepts. `file` names the target in errors.
 */
export function renderModelDefinition(definition: ServedModelDefinition, file: string, comment?: string): string {
  const result = servedModelDefinitionSchema.safeParse(definition);
  if (!result.success) throw new ConfigError(issuesOf(result.error, file));
  const header = comment === undefined ? '' : `${comment.replace(/^/gm, '# ')}\n`;
  return header + stringify(result.data);
}
