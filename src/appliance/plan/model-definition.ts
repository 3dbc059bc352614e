/**
 * Model definitions are YAML files in /models (`name`, `parameters.model`, `context_size`, sampling
 * defaults …). The appliance picks one, checks it, and derives the engine's model YAML from it as an
 * object (then `yaml` stringifies it): never by text templating.
 */
import { posix } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import type { ApplianceFs } from '../appliance-fs.ts';
import { PATHS } from '../layout.ts';

const modelYamlSchema = z.looseObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/, 'name: letters, digits and . _ : / - only'),
  parameters: z.looseObject({
    model: z
      .string()
      .min(1)
      .regex(/^[^\n\r\0]+$/),
  }),
  context_size: z.number().int().positive().optional(),
});

export type ModelYaml = z.infer<typeof modelYamlSchema>;

export interface ModelDefinition {
  /** File name in /models without extension. */
  file: string;
  /** The model id clients send (`name`). */
  id: string;
  /** Logical path of the weights (GGUF). */
  weightsPath: string;
  weightsBytes: number;
  /** Context size the definition asks for, if any (an upper bound for `auto`). */
  contextSize: number | undefined;
  raw: ModelYaml;
}

/** Lists model definition names in /models. */
export async function listModelDefinitions(fs: ApplianceFs): Promise<string[]> {
  const files = await fs.list(PATHS.modelsDir);
  return files
    .filter((f) => /\.ya?ml$/.test(f) && !f.startsWith('.'))
    .map((f) => f.replace(/\.ya?ml$/, ''))
    .sort();
}

/** Loads the chosen (or default) model definition; throws an Error whose message is operator-facing. */
export async function loadModelDefinition(fs: ApplianceFs, wanted: string | undefined): Promise<ModelDefinition> {
  const available = await listModelDefinitions(fs);
  if (available.length === 0) throw new Error(`no model definition (*.yaml) found in ${PATHS.modelsDir}`);
  const file = wanted ?? available[0]!;
  if (!available.includes(file))
    throw new Error(`no model definition "${file}.yaml" in ${PATHS.modelsDir}; available: ${available.join(', ')}`);
  const logical = posix.join(PATHS.modelsDir, file);
  const text = (await fs.readText(`${logical}.yaml`)) ?? (await fs.readText(`${logical}.yml`));
  if (text === undefined) throw new Error(`cannot read ${logical}.yaml`);
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch (e) {
    throw new Error(`${logical}.yaml is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const result = modelYamlSchema.safeParse(parsed);
  if (!result.success) {
    throw new Error(`${logical}.yaml: ${result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  const raw = result.data;
  const weightsPath = posix.resolve(PATHS.modelsDir, raw.parameters.model);
  const weightsBytes = await fs.size(weightsPath);
  if (weightsBytes === undefined) throw new Error(`${logical}.yaml: model weights ${raw.parameters.model} not found`);
  return { file, id: raw.name, weightsPath, weightsBytes, contextSize: raw.context_size, raw };
}

/**
 * The engine's model YAML: the definition with the weights path made absolute (real path: the sandbox
 * engine reads files under the root) and the resolved context size and threads.
 */
export function engineModelYaml(
  def: ModelDefinition,
  weightsRealPath: string,
  contextSize: number,
  threads: number,
): Record<string, unknown> {
  return {
    ...def.raw,
    parameters: { ...def.raw.parameters, model: weightsRealPath },
    context_size: contextSize,
    threads,
  };
}
