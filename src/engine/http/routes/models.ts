/** GET /v1/models and /v1/models/:id: the one served model, with its context length. */
import type { Context } from 'hono';
import type { Model } from 'openai/resources/models';
import { NotFoundError } from '../../api/api-errors.ts';
import type { AppDeps, AppEnv } from '../app-types.ts';

/** OpenAI's Model plus the context length, under the names LM Studio/OpenRouter and vLLM use. */
export type ServedModel = Model & { context_length: number; max_model_len: number };

function servedModel(deps: AppDeps): ServedModel {
  return {
    id: deps.engine.modelId,
    object: 'model',
    created: deps.startedAt,
    owned_by: 'slm-copilot',
    context_length: deps.engine.contextSize,
    max_model_len: deps.engine.contextSize,
  } satisfies ServedModel;
}

export function listModelsHandler(deps: AppDeps) {
  return (c: Context<AppEnv>) => c.json({ object: 'list' as const, data: [servedModel(deps)] });
}

export function getModelHandler(deps: AppDeps) {
  return (c: Context<AppEnv>) => {
    const id = c.req.param('id');
    if (id !== deps.engine.modelId)
      throw new NotFoundError(`The model '${id}' does not exist.`, { param: 'model', code: 'model_not_found' });
    return c.json(servedModel(deps));
  };
}
