import assert from 'node:assert/strict';
import { test } from 'node:test';
import { certbotFailureReason } from './certbot-failure-reason.ts';

const LOG = 'Saving debug log to /x/letsencrypt.log';
const HELP =
  'Ask for help or search for solutions at https://community.letsencrypt.org. See the logfile /x/letsencrypt.log or re-run Certbot with -v for more details.';
const server = 'https://acme.example/dir';

// Output shapes recorded from certbot 2.1.0 (Debian 12) against pebble.
test('a rejected challenge yields domain, type, the CA detail and a hint', () => {
  const stdout = [
    'Requesting a certificate for fail.example.test',
    '',
    'Certbot failed to authenticate some domains (authenticator: webroot). The Certificate Authority reported these problems:',
    '  Domain: fail.example.test',
    '  Type:   unauthorized',
    '  Detail: Non-200 status code from HTTP: http://fail.example.test:80/.well-known/acme-challenge/abc returned 404',
    '',
    'Hint: The Certificate Authority failed to download the temporary challenge files created by Certbot.',
  ].join('\n');
  const reason = certbotFailureReason({ exitCode: 1, stdout, stderr: `${LOG}\nSome challenges have failed.\n${HELP}\n` }, server);
  assert.equal(
    reason,
    'ACME challenge for fail.example.test failed (unauthorized): Non-200 status code from HTTP: ' +
      'http://fail.example.test:80/.well-known/acme-challenge/abc returned 404 - the name must point to this VM, whose nginx serves the ACME webroot on port 80',
  );
});

test('unexpected errors are reduced to what happened to the ACME server', () => {
  const run = (line: string) =>
    certbotFailureReason({ exitCode: 1, stdout: '', stderr: `${LOG}\nAn unexpected error occurred:\n${line}\n${HELP}\n` }, server);
  assert.equal(
    run('ValueError: Requesting 127.0.0.1/dir: Connection refused'),
    `cannot reach the ACME server ${server}: connection refused`,
  );
  assert.equal(
    run(
      "requests.exceptions.SSLError: HTTPSConnectionPool(host='127.0.0.1', port=24000): Max retries exceeded with url: /dir (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:992)')))",
    ),
    `cannot verify the TLS certificate of the ACME server ${server} (self-signed certificate)`,
  );
  assert.match(
    run(
      "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='acme-v02.api.letsencrypt.org', port=443): Max retries exceeded (Caused by NameResolutionError(\"Failed to resolve 'acme-v02.api.letsencrypt.org'\"))",
    ),
    /cannot resolve the ACME server/,
  );
  assert.equal(run('acme.errors.SomethingError: The server said no'), 'The server said no');
  assert.match(
    run('Error creating new order :: too many certificates already issued'),
    /^rate limited by the ACME server: Error creating new order/,
  );
});

test('anything else: exit code plus the last meaningful lines, one line, bounded', () => {
  assert.equal(
    certbotFailureReason(
      { exitCode: 2, stdout: '', stderr: `${LOG}\nusage: certbot [SUBCOMMAND]\ncertbot: error: unrecognized arguments: --bogus\n` },
      server,
    ),
    'certbot exited with code 2: usage: certbot [SUBCOMMAND] certbot: error: unrecognized arguments: --bogus',
  );
  assert.equal(certbotFailureReason({ exitCode: 1, stdout: '', stderr: '' }, server), 'certbot exited with code 1');
  const long = certbotFailureReason({ exitCode: 1, stdout: 'x'.repeat(2000), stderr: '' }, server);
  assert.ok(long.length <= 400 && long.endsWith('…'));
});
