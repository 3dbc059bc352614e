/**
 * The nginx file that holds the API key: two maps that set $slm_copilot_bearer_ok / $slm_copilot_header_ok.
 * Case-sensitive regex entries, because nginx's plain map strings compare case-insensitively.
 * Written 0600 (only the nginx master, running as root, reads configuration).
 */
import { API_KEY_PATTERN } from '../api-key.ts';

export function renderNginxKeyConf(apiKey: string): string {
  // The key was validated at the context edge; re-check so no other path can smuggle syntax in.
  if (!API_KEY_PATTERN.test(apiKey)) throw new Error('API key has characters that cannot be rendered');
  const re = apiKey.replaceAll('.', '[.]');
  return [
    '# SLM-Copilot API key for the edge. Written by `slm-copilot configure`. Secret: keep 0600.',
    'map $http_authorization $slm_copilot_bearer_ok {',
    '    default 0;',
    `    "~^Bearer +${re}$" 1;`,
    '}',
    'map $http_x_api_key $slm_copilot_header_ok {',
    '    default 0;',
    `    "~^${re}$" 1;`,
    '}',
    '',
  ].join('\n');
}
