/**
 * TLS mode `custom`: the operator's own certificate (ONEAPP_COPILOT_TLS_CERT, leaf first, then
 * intermediates, optionally the root) and key (ONEAPP_COPILOT_TLS_KEY). Checked with the openssl CLI,
 * the same library nginx loads them with, before anything is written: the key belongs to the leaf, the
 * leaf is valid now, it covers the endpoint's hostname, and the chain verifies to the system trust store
 * or to a root included in the value. Every failure names the variable, so configure can refuse the
 * value and leave the certificate that is serving in place.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandRunner } from '../../lib/command-runner.ts';
import type { ConfigIssue } from '../../lib/errors.ts';

export const TLS_CERT_VARIABLE = 'ONEAPP_COPILOT_TLS_CERT';
export const TLS_KEY_VARIABLE = 'ONEAPP_COPILOT_TLS_KEY';

export interface CustomCertificateInput {
  /** PEM text: leaf, then intermediates, optionally the root. */
  certPem: string;
  /** PEM private key, unencrypted. */
  keyPem: string;
}

export interface CheckedCustomCertificate {
  /** Leaf + intermediates: what nginx serves (a root in the value is not sent, clients hold it). */
  chainPem: string;
  keyPem: string;
  /** The included root the chain verified to; undefined when the system trust store verified it. */
  rootPem: string | undefined;
  notAfter: Date;
}

export type CustomCertificateCheck = { ok: true; value: CheckedCustomCertificate } | { ok: false; issues: ConfigIssue[] };

const CERT_BLOCK_RE = /-----BEGIN CERTIFICATE-----\r?\n[\s\S]*?-----END CERTIFICATE-----/g;
const KEY_BLOCK_RE = /-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----\r?\n[\s\S]*?-----END \1-----/g;

const certIssue = (message: string): ConfigIssue => ({ field: TLS_CERT_VARIABLE, message });
const keyIssue = (message: string): ConfigIssue => ({ field: TLS_KEY_VARIABLE, message });

export async function checkCustomCertificate(options: {
  input: CustomCertificateInput;
  /** The endpoint's hostname (ONEAPP_COPILOT_TLS_HOSTNAME, else the VM IP). */
  hostname: string;
  now: Date;
  runner: CommandRunner;
}): Promise<CustomCertificateCheck> {
  const { input, hostname, now, runner } = options;
  const certs = input.certPem.match(CERT_BLOCK_RE) ?? [];
  const keys = [...input.keyPem.matchAll(KEY_BLOCK_RE)];
  const issues: ConfigIssue[] = [];
  if (certs.length === 0)
    issues.push(certIssue('no PEM certificate found; expected base64 of a PEM file: the server certificate first, then intermediates'));
  if (keys.length !== 1) issues.push(keyIssue(`expected exactly one PEM private key, found ${keys.length}`));
  else if (keys[0]![1] === 'ENCRYPTED PRIVATE KEY') issues.push(keyIssue('the private key is encrypted; give it without a passphrase'));
  if (issues.length > 0) return { ok: false, issues };

  const work = await mkdtemp(join(tmpdir(), 'slm-custom-cert-'));
  try {
    const openssl = (args: string[]) => runner.run('openssl', args, { check: false });
    const files: string[] = [];
    const subjects: { subject: string; issuer: string }[] = [];
    for (const [i, pem] of certs.entries()) {
      const file = join(work, `cert-${i}.pem`);
      await writeFile(file, `${pem}\n`, { mode: 0o600 });
      const r = await openssl(['x509', '-in', file, '-noout', '-subject', '-issuer', '-nameopt', 'RFC2253']);
      if (r.exitCode !== 0) return fail(certIssue(`certificate #${i + 1} is not a valid X.509 certificate: ${firstLine(r.stderr)}`));
      subjects.push({ subject: field(r.stdout, 'subject'), issuer: field(r.stdout, 'issuer') });
      files.push(file);
    }
    const leaf = files[0]!;
    const keyFile = join(work, 'key.pem');
    await writeFile(keyFile, `${keys[0]![0]}\n`, { mode: 0o600 });
    const keyPub = await openssl(['pkey', '-in', keyFile, '-pubout']);
    if (keyPub.exitCode !== 0) return fail(keyIssue(`not a valid private key: ${firstLine(keyPub.stderr)}`));
    const leafPub = await openssl(['x509', '-in', leaf, '-noout', '-pubkey']);
    if (leafPub.stdout.trim() !== keyPub.stdout.trim())
      return fail(keyIssue(`the private key does not belong to the server certificate (the first one in ${TLS_CERT_VARIABLE})`));

    const dates = await openssl(['x509', '-in', leaf, '-noout', '-startdate', '-enddate']);
    const notBefore = new Date(field(dates.stdout, 'notBefore'));
    const notAfter = new Date(field(dates.stdout, 'notAfter'));
    if (!(notAfter > now)) return fail(certIssue(`the server certificate expired on ${notAfter.toISOString()}`));
    if (notBefore > now) return fail(certIssue(`the server certificate is not valid before ${notBefore.toISOString()}`));

    const hostCheck = await openssl(['x509', '-in', leaf, '-noout', isIP(hostname) === 0 ? '-checkhost' : '-checkip', hostname]);
    if (hostCheck.exitCode !== 0 || !/ does match certificate/.test(hostCheck.stdout)) {
      const san = await openssl(['x509', '-in', leaf, '-noout', '-ext', 'subjectAltName']);
      const names = san.stdout.split('\n').slice(1).join(' ').trim() || '(no subjectAltName)';
      return fail(
        certIssue(`the server certificate does not cover ${hostname} (ONEAPP_COPILOT_TLS_HOSTNAME, else the VM IP); it names ${names}`),
      );
    }

    const chain = await verifyChain(openssl, work, certs, files, subjects, now);
    if (!chain.ok) return fail(certIssue(chain.message));
    const served = certs.filter((_, i) => i === 0 || !isSelfIssued(subjects[i]!));
    return {
      ok: true,
      value: { chainPem: `${served.join('\n')}\n`, keyPem: `${keys[0]![0]}\n`, rootPem: chain.rootPem, notAfter },
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function fail(issue: ConfigIssue): CustomCertificateCheck {
  return { ok: false, issues: [issue] };
}

function isSelfIssued(s: { subject: string; issuer: string }): boolean {
  return s.subject === s.issuer;
}

/**
 * `openssl verify` with the non-root certificates as untrusted intermediates: first against the system
 * trust store (a public CA), then against the roots included in the value (a private CA).
 */
async function verifyChain(
  openssl: (args: string[]) => Promise<{ exitCode: number; stdout: string; stderr: string }>,
  work: string,
  certs: readonly string[],
  files: readonly string[],
  subjects: readonly { subject: string; issuer: string }[],
  now: Date,
): Promise<{ ok: true; rootPem: string | undefined } | { ok: false; message: string }> {
  const pems = certs.map((c) => `${c}\n`);
  const intermediates = pems.filter((_, i) => i > 0 && !isSelfIssued(subjects[i]!));
  const roots = pems.filter((_, i) => isSelfIssued(subjects[i]!));
  const base = ['verify', '-attime', String(Math.floor(now.getTime() / 1000)), '-purpose', 'sslserver'];
  if (intermediates.length > 0) {
    await writeFile(join(work, 'untrusted.pem'), intermediates.join(''), { mode: 0o600 });
    base.push('-untrusted', join(work, 'untrusted.pem'));
  }
  const system = await openssl([...base, files[0]!]);
  if (system.exitCode === 0) return { ok: true, rootPem: undefined };
  let failure = system;
  if (roots.length > 0) {
    await writeFile(join(work, 'roots.pem'), roots.join(''), { mode: 0o600 });
    const included = await openssl([...base, '-CAfile', join(work, 'roots.pem'), '-no-CApath', '-no-CAstore', files[0]!]);
    if (included.exitCode === 0) return { ok: true, rootPem: roots.join('') };
    failure = included;
  }
  const reason = (failure.stdout + failure.stderr).match(/error \d+ at \d+ depth lookup: [^\n]+/)?.[0] ?? firstLine(failure.stderr);
  return {
    ok: false,
    message:
      `the certificate chain does not verify (openssl verify: ${reason}); give the server certificate, then every ` +
      'intermediate, and the root too when it is a private CA',
  };
}

function field(output: string, name: string): string {
  return new RegExp(`^${name}=\\s*(.*)$`, 'm').exec(output)?.[1]?.trim() ?? '';
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? 'openssl failed'
  );
}
