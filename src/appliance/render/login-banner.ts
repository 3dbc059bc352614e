/**
 * /etc/profile.d/slm-copilot.sh: a login banner (one-apps overwrites /etc/motd at every stage). It shows
 * the endpoint and status, never the key: the key stays in the 0600 report.
 */

export interface BannerInput {
  url: string | undefined;
  modelId: string | undefined;
  reportPath: string;
  statusPath: string;
}

function shellSingleQuote(s: string): string {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

export function renderLoginBanner(input: BannerInput): string {
  const lines = [
    '# SLM-Copilot login banner. Written by slm-copilot.',
    'case $- in *i*) ;; *) return 0 2>/dev/null || exit 0 ;; esac',
    `_slm_status=$(cat ${shellSingleQuote(input.statusPath)} 2>/dev/null || echo unknown)`,
    "printf '\\n  SLM-Copilot: sovereign AI coding endpoint\\n'",
  ];
  if (input.url !== undefined) lines.push(`printf '  Endpoint: %s\\n' ${shellSingleQuote(input.url)}`);
  if (input.modelId !== undefined) lines.push(`printf '  Model:    %s\\n' ${shellSingleQuote(input.modelId)}`);
  lines.push(
    'printf \'  Status:   %s\\n\' "$_slm_status"',
    `printf '  Key, client settings and errors: sudo cat %s\\n\\n' ${shellSingleQuote(input.reportPath)}`,
    'unset _slm_status',
    '',
  );
  return lines.join('\n');
}
