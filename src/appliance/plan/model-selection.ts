/**
 * Which model definition in /models the appliance serves (src/lib/model-definition.ts: `name`,
 * `parameters.model`, `context_size`, sampling defaults …), checked, with its weights found; and the
 * engine's copy of it, derived as an object (never by text templating).
 */
import { posix } from 'node:path';
import { ConfigError } from '../../lib/errors.ts';
import { mapModelFiles, parseModelDefinition, type ServedModelDefinition } from '../../lib/model-definition.ts';
import type { ApplianceFs } from '../appliance-fs.ts';
import { PATHS } from '../layout.ts';

export interface SelectedModel {
  /** File name in /models without extension. */
  file: string;
  /** The model id clients send (`name`). */
  id: string;
  /** Logical path of the weights (GGUF). */
  weightsPath: string;
  weightsBytes: number;
  /** Context size the definition asks for, if any (an upper bound for `auto`). */
  contextSize: number | undefined;
  definition: ServedModelDefinition;
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
export async function selectModel(fs: ApplianceFs, wanted: string | undefined): Promise<SelectedModel> {
  const available = await listModelDefinitions(fs);
  if (available.length === 0) throw new Error(`no model definition (*.yaml) found in ${PATHS.modelsDir}`);
  const file = wanted ?? available[0]!;
  if (!available.includes(file))
    throw new Error(`no model definition "${file}.yaml" in ${PATHS.modelsDir}; available: ${available.join(', ')}`);
  const logical = posix.join(PATHS.modelsDir, file);
  let name = `${logical}.yaml`;
  let text = await fs.readText(name);
  if (text === undefined) {
    name = `${logical}.yml`;
    text = await fs.readText(name);
  }
  if (text === undefined) throw new Error(`cannot read ${logical}.yaml`);
  let definition: ServedModelDefinition;
  try {
    definition = parseModelDefinition(text, name, { requireId: true });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    throw new Error(e.issues.map((i) => `${i.field}: ${i.message}`).join('; '));
  }
  const weightsPath = posix.resolve(PATHS.modelsDir, definition.parameters.model);
  const weightsBytes = await fs.size(weightsPath);
  if (weightsBytes === undefined) throw new Error(`${name}: parameters.model: model weights ${definition.parameters.model} not found`);
  return { file, id: definition.name, weightsPath, weightsBytes, contextSize: definition.context_size, definition };
}

/**
 * The engine's model definition: file fields as real absolute paths (the sandbox engine reads files
 * under the root), and the resolved context size and threads.
 */
export function engineModelDefinition(
  model: SelectedModel,
  realPath: (logical: string) => string,
  contextSize: number,
  threads: number,
): ServedModelDefinition {
  const definition = mapModelFiles(model.definition, (file) => realPath(posix.resolve(PATHS.modelsDir, file)));
  // The cache lives on the VM's disk at a path the engine unit may write; an operator's budget is kept.
  const budget = definition.prefix_cache?.budget_mb;
  const prefixCache = { dir: realPath(PATHS.prefixCacheDir), ...(budget === undefined ? {} : { budget_mb: budget }) };
  return { ...definition, context_size: contextSize, threads, prefix_cache: prefixCache };
}
