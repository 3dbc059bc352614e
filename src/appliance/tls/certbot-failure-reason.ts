/**
 * Turns certbot's output into one short line for the report: what failed and the CA's own words,
 * without certbot's boilerplate (debug-log paths, forum links, donation banners).
 */
import type { CommandResult } from '../../lib/command-runner.ts';

const MAX_REASON = 400;

const BOILERPLATE = [
  /^Saving debug log to/,
  /^Ask for help or search for solutions/,
  /^Some challenges have failed\.?$/,
  /^Hint: /,
  /^- - -/,
  /^Requesting a certificate for/,
  /^IMPORTANT NOTES:/,
];

export function certbotFailureReason(result: CommandResult, acmeServer: string): string {
  const lines = `${result.stdout}\n${result.stderr}`.split('\n').map((l) => l.trim());

  const problems = challengeProblems(lines);
  if (problems.length > 0) return clip(problems.join(' | '));

  const unexpected = lines.indexOf('An unexpected error occurred:');
  if (unexpected >= 0) {
    const message = lines
      .slice(unexpected + 1)
      .filter((l) => l.length > 0 && !BOILERPLATE.some((re) => re.test(l)))
      .join(' ');
    return clip(describeUnexpected(message, acmeServer));
  }

  const rest = lines.filter((l) => l.length > 0 && !BOILERPLATE.some((re) => re.test(l)));
  const tail = rest.slice(-3).join(' ');
  return clip(`certbot exited with code ${result.exitCode}${tail.length > 0 ? `: ${tail}` : ''}`);
}

/** The "Domain: / Type: / Detail:" blocks certbot prints when the CA rejected a challenge. */
function challengeProblems(lines: string[]): string[] {
  const out: string[] = [];
  let domain = '';
  let type = '';
  for (const line of lines) {
    if (line.startsWith('Domain:')) domain = line.slice(7).trim();
    else if (line.startsWith('Type:')) type = line.slice(5).trim();
    else if (line.startsWith('Detail:')) {
      out.push(`ACME challenge for ${domain || 'the domain'} failed (${type || 'error'}): ${line.slice(7).trim()}${hint(type)}`);
      domain = '';
      type = '';
    }
  }
  return out;
}

function hint(type: string): string {
  switch (type) {
    case 'dns':
      return ' - the name must resolve publicly to this VM';
    case 'connection':
      return ' - port 80 of this VM must be reachable from the internet';
    case 'unauthorized':
      return ' - the name must point to this VM, whose nginx serves the ACME webroot on port 80';
    case 'rateLimited':
      return ' - wait for the rate limit window to pass';
    default:
      return '';
  }
}

function describeUnexpected(message: string, acmeServer: string): string {
  const verify = /CERTIFICATE_VERIFY_FAILED\] certificate verify failed: ([^(')]+)/.exec(message);
  if (verify) return `cannot verify the TLS certificate of the ACME server ${acmeServer} (${verify[1]?.trim()})`;
  if (/Failed to resolve|Name or service not known|Temporary failure in name resolution|No address associated/i.test(message)) {
    return `cannot resolve the ACME server ${acmeServer} (no DNS or no internet access)`;
  }
  if (/Connection refused/i.test(message)) return `cannot reach the ACME server ${acmeServer}: connection refused`;
  if (/timed out|ConnectTimeout/i.test(message)) return `cannot reach the ACME server ${acmeServer}: connection timed out`;
  if (/Network is unreachable|No route to host/i.test(message)) return `cannot reach the ACME server ${acmeServer}: network unreachable`;
  if (/rateLimited|too many/i.test(message)) return `rate limited by the ACME server: ${stripExceptionClass(message)}`;
  return stripExceptionClass(message);
}

function stripExceptionClass(message: string): string {
  return message.replace(/^[\w.]+(Error|Exception): /, '');
}

function clip(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length <= MAX_REASON ? one : `${one.slice(0, MAX_REASON - 1)}…`;
}
