/**
 * /etc/one-appliance/metadata, the one-apps service metadata (their `create_one_service_metadata`): what
 * this appliance is, which version, and the context variables it reads. YAML, written at install.
 */
import { stringify } from 'yaml';
// Imported, not read at run time: esbuild inlines it into the release bundle, whose dist/cli.mjs sits at
// another depth than this file (reading ../../../package.json there failed the image's install stage).
import pkg from '../../../package.json' with { type: 'json' };
import { CONTEXT_VARIABLES } from '../context/context-variables.ts';

export function applianceVersion(): string {
  return pkg.version;
}

export function renderServiceMetadata(version: string): string {
  return `---\n${stringify(
    {
      name: 'SLM-Copilot',
      version,
      short_description: 'Self-hosted OpenAI-compatible coding assistant (llama.cpp, TLS, API key) for Cline and Continue.',
      description: 'Report with endpoint, API key and client settings: /etc/one-appliance/config. Stages: install, configure, bootstrap.',
      params: CONTEXT_VARIABLES.map((v) => ({ name: v.name, input: v.userInput, description: v.description })),
    },
    { lineWidth: 0 },
  )}`;
}
