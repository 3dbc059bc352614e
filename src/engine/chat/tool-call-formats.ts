/** The tool-call formats the engine knows, most specific first (detection takes the first that matches). */
import { devstralV13Format } from './devstral-v13-format.ts';
import { mistralCallIdFormat } from './mistral-call-id-format.ts';
import type { ToolCallFormat } from './tool-call-format.ts';

export const TOOL_CALL_FORMATS: readonly ToolCallFormat[] = [mistralCallIdFormat, devstralV13Format];

/** The format used when a template shows no call we recognise (and by the built-in renderer by default). */
export const DEFAULT_TOOL_CALL_FORMAT: ToolCallFormat = devstralV13Format;
