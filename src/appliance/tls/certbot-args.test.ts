import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCertbotArgs } from './certbot-args.ts';

const dirs = { config: '/srv/le/config', work: '/srv/le/work', logs: '/srv/le/logs' };

test('webroot issuance without email, default server, keep-until-expiring', () => {
  assert.deepEqual(
    buildCertbotArgs({
      domain: 'copilot.example.org',
      webroot: '/var/lib/slm-copilot/acme',
      dirs,
      deployHook: 'systemctl reload nginx',
      renewal: 'keep',
    }),
    [
      'certonly',
      '--webroot',
      '-w',
      '/var/lib/slm-copilot/acme',
      '-d',
      'copilot.example.org',
      '--cert-name',
      'copilot.example.org',
      '--non-interactive',
      '--agree-tos',
      '--keep-until-expiring',
      '--key-type',
      'ecdsa',
      '--elliptic-curve',
      'secp256r1',
      '--config-dir',
      '/srv/le/config',
      '--work-dir',
      '/srv/le/work',
      '--logs-dir',
      '/srv/le/logs',
      '--register-unsafely-without-email',
      '--deploy-hook',
      'systemctl reload nginx',
    ],
  );
});

test('email, custom server, no hook, forced renewal', () => {
  const args = buildCertbotArgs({
    domain: 'a.example',
    email: 'ops@example.org',
    webroot: '/w',
    dirs,
    acmeServer: 'https://127.0.0.1:14000/dir',
    deployHook: null,
    renewal: 'force',
  });
  assert.ok(args.includes('--force-renewal'));
  assert.ok(!args.includes('--keep-until-expiring'));
  assert.ok(!args.includes('--register-unsafely-without-email'));
  assert.ok(!args.includes('--deploy-hook'));
  const at = (flag: string) => args[args.indexOf(flag) + 1];
  assert.equal(at('--email'), 'ops@example.org');
  assert.ok(args.includes('--no-eff-email'));
  assert.equal(at('--server'), 'https://127.0.0.1:14000/dir');
});
