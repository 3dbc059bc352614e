import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aliasNoticeText, resolveAliases } from './context-aliases.ts';
import { parseApplianceContext } from './context-schema.ts';
import {
  CONTEXT_VARIABLES,
  formatVariablesHelp,
  formatVariablesMarkdown,
  unknownVariableWarnings,
  userInputsMetadata,
} from './context-variables.ts';

const PEM_CERT = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
const PEM_KEY = '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n';

/** A valid value for every variable, so each injection test changes only the injected character. */
const VALID: Record<string, string> = {
  ONEAPP_COPILOT_SERVICE_ROLE: 'standalone',
  ONEAPP_COPILOT_SERVICE_CREDENTIAL: 'internal-credential-0123456789',
  ONEAPP_COPILOT_API_KEY: 'sk-abcdefghijklmnopqrstuvwxyz012345',
  ONEAPP_COPILOT_TLS_HOSTNAME: 'copilot.example.org',
  ONEAPP_COPILOT_TLS_MODE: 'custom',
  ONEAPP_COPILOT_TLS_EMAIL: 'ops@example.org',
  // Shape only: openssl judges the content at configure (custom-certificate.test.ts).
  ONEAPP_COPILOT_TLS_CERT: Buffer.from(PEM_CERT).toString('base64'),
  ONEAPP_COPILOT_TLS_KEY: Buffer.from(PEM_KEY).toString('base64'),
  ONEAPP_COPILOT_ENGINE_CONTEXT_SIZE: '16384',
  ONEAPP_COPILOT_ENGINE_THREADS: '4',
  ONEAPP_COPILOT_ENGINE_TIMEOUT: '300',
  ONEAPP_COPILOT_LIMIT_RATE: '10',
  ONEAPP_COPILOT_LIMIT_BURST: '20',
  ONEAPP_COPILOT_LIMIT_CONNECTIONS: '16',
  ONEAPP_COPILOT_ENGINE_MODEL: 'devstral-small-2',
};

const INJECTIONS = ['\n', '\r', ';', '{', '}', '"', "'", '$', '\\', '`', ' #', '\0'];

describe('parseApplianceContext', () => {
  it('has a valid sample for every documented variable', () => {
    assert.deepEqual(Object.keys(VALID).sort(), CONTEXT_VARIABLES.map((v) => v.name).sort());
    const r = parseApplianceContext(VALID);
    assert.ok(r.ok, JSON.stringify(r));
  });

  it('applies the documented defaults when nothing is set', () => {
    const r = parseApplianceContext({});
    assert.ok(r.ok);
    assert.deepEqual(r.value, {
      role: 'standalone',
      serviceCredential: undefined,
      apiKey: undefined,
      hostname: undefined,
      tlsMode: 'self-signed',
      customCertificate: undefined,
      leEmail: undefined,
      contextSize: 'auto',
      threads: 'auto',
      timeoutSeconds: 300,
      rateLimit: 10,
      rateBurst: 20,
      maxConnections: 16,
      model: undefined,
    });
  });

  it('treats empty values (as one-context passes unset inputs) as defaults', () => {
    const empty = Object.fromEntries(CONTEXT_VARIABLES.map((v) => [v.name, '']));
    const r = parseApplianceContext(empty);
    assert.ok(r.ok);
    assert.equal(r.value.timeoutSeconds, 300);
  });

  it('parses typed values', () => {
    const r = parseApplianceContext({
      ...VALID,
      ONEAPP_COPILOT_ENGINE_MODEL: 'devstral.yaml',
      ONEAPP_COPILOT_TLS_HOSTNAME: 'Copilot.Example.ORG.',
    });
    assert.ok(r.ok);
    assert.equal(r.value.contextSize, 16384);
    assert.equal(r.value.threads, 4);
    assert.equal(r.value.model, 'devstral');
    assert.equal(r.value.hostname, 'copilot.example.org');
    assert.equal(r.value.tlsMode, 'custom');
  });

  it('accepts auto for context size and threads, and IPs as hostname', () => {
    const r = parseApplianceContext({
      ONEAPP_COPILOT_ENGINE_CONTEXT_SIZE: 'auto',
      ONEAPP_COPILOT_ENGINE_THREADS: 'auto',
      ONEAPP_COPILOT_TLS_HOSTNAME: '10.0.0.5',
    });
    assert.ok(r.ok);
    assert.equal(r.value.contextSize, 'auto');
    assert.equal(r.value.hostname, '10.0.0.5');
  });

  // TLS_CERT/_TLS_KEY never reach config syntax: they are written as files once openssl accepted them.
  for (const variable of CONTEXT_VARIABLES.filter((v) => !v.userInput.startsWith('O|text64|'))) {
    it(`rejects injection characters in ${variable.name}`, () => {
      for (const bad of INJECTIONS) {
        for (const value of [`${VALID[variable.name]! + bad}x`, bad + VALID[variable.name]!]) {
          const r = parseApplianceContext({ ...VALID, [variable.name]: value });
          assert.equal(r.ok, false, `${variable.name}=${JSON.stringify(value)} was accepted`);
          if (!r.ok) {
            assert.ok(
              r.issues.some((i) => i.field === variable.name),
              JSON.stringify(r.issues),
            );
            assert.ok(
              r.issues.every((i) => !i.message.includes('\n')),
              'messages stay on one line',
            );
          }
        }
      }
    });
  }

  it('rejects out-of-range numbers with the allowed values in the message', () => {
    const cases: [string, string][] = [
      ['ONEAPP_COPILOT_ENGINE_CONTEXT_SIZE', '1024'],
      ['ONEAPP_COPILOT_ENGINE_CONTEXT_SIZE', '1e5'],
      ['ONEAPP_COPILOT_ENGINE_THREADS', '0'],
      ['ONEAPP_COPILOT_ENGINE_TIMEOUT', '-1'],
      ['ONEAPP_COPILOT_ENGINE_TIMEOUT', '3.5'],
      ['ONEAPP_COPILOT_LIMIT_RATE', '0'],
      ['ONEAPP_COPILOT_LIMIT_BURST', 'ten'],
      ['ONEAPP_COPILOT_LIMIT_CONNECTIONS', '0x10'],
      ['ONEAPP_COPILOT_TLS_MODE', 'acme'],
      ['ONEAPP_COPILOT_TLS_EMAIL', 'not-an-email'],
      ['ONEAPP_COPILOT_TLS_HOSTNAME', 'bad_host.example'],
      ['ONEAPP_COPILOT_ENGINE_MODEL', '../etc/passwd'],
      ['ONEAPP_COPILOT_API_KEY', 'short'],
    ];
    for (const [name, value] of cases) {
      const r = parseApplianceContext({ [name]: value });
      assert.equal(r.ok, false, `${name}=${value} accepted`);
      if (!r.ok) {
        const issue = r.issues.find((i) => i.field === name);
        assert.ok(issue, `${name}: ${JSON.stringify(r.issues)}`);
        const allowed = CONTEXT_VARIABLES.find((v) => v.name === name)!.allowed;
        assert.ok(issue.message.includes(allowed), issue.message);
      }
    }
  });

  it('reports every bad variable at once', () => {
    const r = parseApplianceContext({
      ONEAPP_COPILOT_ENGINE_TIMEOUT: 'x',
      ONEAPP_COPILOT_LIMIT_RATE: '0',
      ONEAPP_COPILOT_TLS_MODE: 'none',
    });
    assert.equal(r.ok, false);
    if (!r.ok)
      assert.deepEqual(r.issues.map((i) => i.field).sort(), [
        'ONEAPP_COPILOT_ENGINE_TIMEOUT',
        'ONEAPP_COPILOT_LIMIT_RATE',
        'ONEAPP_COPILOT_TLS_MODE',
      ]);
  });

  it('never echoes a rejected API key', () => {
    const secret = 'sk-thisIsMySecretKeyButWithA;semicolon';
    const r = parseApplianceContext({ ONEAPP_COPILOT_API_KEY: secret });
    assert.equal(r.ok, false);
    if (!r.ok) assert.ok(!JSON.stringify(r.issues).includes('thisIsMySecret'));
  });

  it('requires a DNS name for letsencrypt', () => {
    for (const hostname of [undefined, '10.0.0.5', 'localhost']) {
      const r = parseApplianceContext({
        ONEAPP_COPILOT_TLS_MODE: 'letsencrypt',
        ...(hostname ? { ONEAPP_COPILOT_TLS_HOSTNAME: hostname } : {}),
      });
      assert.equal(r.ok, false, String(hostname));
      if (!r.ok) assert.equal(r.issues[0]!.field, 'ONEAPP_COPILOT_TLS_HOSTNAME');
    }
  });

  it('trims blanks around values but nothing else', () => {
    const r = parseApplianceContext({ ONEAPP_COPILOT_ENGINE_TIMEOUT: ' 60 ' });
    assert.ok(r.ok);
    assert.equal(r.value.timeoutSeconds, 60);
  });
});

describe('variable table', () => {
  it('uses 5-field USER_INPUTS specs (4 fields are rejected by OpenNebula)', () => {
    for (const v of CONTEXT_VARIABLES) assert.equal(v.userInput.split('|').length, 5, v.name);
  });

  it('documents every variable in help and markdown', () => {
    const help = formatVariablesHelp();
    const md = formatVariablesMarkdown();
    for (const v of CONTEXT_VARIABLES) {
      assert.ok(help.includes(v.name) && help.includes(v.defaultText), v.name);
      assert.ok(md.includes(`\`${v.name}\``), v.name);
    }
  });
});

describe('unknown variables', () => {
  it('warns about typos and former names, never about ours or unrelated variables', () => {
    assert.deepEqual(
      unknownVariableWarnings([
        'ONEAPP_COPILOT_ENGINE_TIMEOUT',
        'ONEAPP_COPILOT_TIMEOUTS',
        'ONEAPP_COPILOT_CPU_THREADS',
        'ETH0_IP',
        'PATH',
      ]),
      [
        'ONEAPP_COPILOT_CPU_THREADS is not a SLM-Copilot variable and is ignored; use ONEAPP_COPILOT_ENGINE_THREADS',
        'ONEAPP_COPILOT_TIMEOUTS is not a SLM-Copilot variable and is ignored',
      ],
    );
  });
});

describe('former names (aliases)', () => {
  it('reads every former name as its current variable, with a notice naming the new name', () => {
    const raw: Record<string, string> = {};
    for (const v of CONTEXT_VARIABLES) raw[v.aliases[0] ?? v.name] = VALID[v.name]!;
    const r = parseApplianceContext(raw);
    const viaNew = parseApplianceContext(VALID);
    assert.ok(r.ok && viaNew.ok);
    assert.deepEqual(r.value, viaNew.value);
    const { notices } = resolveAliases(raw);
    assert.deepEqual(
      notices.map((n) => `${n.former}->${n.current}`).sort(),
      CONTEXT_VARIABLES.flatMap((v) => v.aliases.map((a) => `${a}->${v.name}`)).sort(),
    );
    assert.ok(notices.every((n) => !n.conflict));
    assert.match(aliasNoticeText(notices[0]!), /rename it to ONEAPP_COPILOT_/);
  });

  it('maps the old names of the previous scheme to the grouped ones', () => {
    const mapping = Object.fromEntries(CONTEXT_VARIABLES.flatMap((v) => v.aliases.map((a) => [a, v.name])));
    assert.deepEqual(mapping, {
      ONEAPP_COPILOT_HOSTNAME: 'ONEAPP_COPILOT_TLS_HOSTNAME',
      ONEAPP_COPILOT_LE_EMAIL: 'ONEAPP_COPILOT_TLS_EMAIL',
      ONEAPP_COPILOT_MODEL: 'ONEAPP_COPILOT_ENGINE_MODEL',
      ONEAPP_COPILOT_CONTEXT_SIZE: 'ONEAPP_COPILOT_ENGINE_CONTEXT_SIZE',
      ONEAPP_COPILOT_THREADS: 'ONEAPP_COPILOT_ENGINE_THREADS',
      ONEAPP_COPILOT_TIMEOUT: 'ONEAPP_COPILOT_ENGINE_TIMEOUT',
      ONEAPP_COPILOT_RATE_LIMIT: 'ONEAPP_COPILOT_LIMIT_RATE',
      ONEAPP_COPILOT_RATE_BURST: 'ONEAPP_COPILOT_LIMIT_BURST',
      ONEAPP_COPILOT_MAX_CONNECTIONS: 'ONEAPP_COPILOT_LIMIT_CONNECTIONS',
      ONEAPP_COPILOT_ROLE: 'ONEAPP_COPILOT_SERVICE_ROLE',
    });
  });

  it('when both names are set and differ, the new one wins and the notice says so', () => {
    const raw = { ONEAPP_COPILOT_TIMEOUT: '60', ONEAPP_COPILOT_ENGINE_TIMEOUT: '120' };
    const r = parseApplianceContext(raw);
    assert.ok(r.ok);
    assert.equal(r.value.timeoutSeconds, 120);
    const [notice] = resolveAliases(raw).notices;
    assert.deepEqual(notice, { former: 'ONEAPP_COPILOT_TIMEOUT', current: 'ONEAPP_COPILOT_ENGINE_TIMEOUT', conflict: true });
    assert.match(aliasNoticeText(notice!), /ONEAPP_COPILOT_ENGINE_TIMEOUT wins.*remove ONEAPP_COPILOT_TIMEOUT/);
    // The same value under both names is no conflict.
    assert.equal(resolveAliases({ ONEAPP_COPILOT_TIMEOUT: '60', ONEAPP_COPILOT_ENGINE_TIMEOUT: '60' }).notices[0]!.conflict, false);
  });

  it('a bad value under a former name is reported under the name the operator typed', () => {
    const r = parseApplianceContext({ ONEAPP_COPILOT_RATE_LIMIT: '0' });
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.issues[0]!.field, 'ONEAPP_COPILOT_RATE_LIMIT');
      assert.match(r.issues[0]!.message, /allowed: .*\(former name of ONEAPP_COPILOT_LIMIT_RATE\)/);
    }
  });

  it('former names are not reported as unknown', () => {
    assert.deepEqual(unknownVariableWarnings(['ONEAPP_COPILOT_HOSTNAME', 'ONEAPP_COPILOT_MAX_CONNECTIONS']), []);
  });
});

describe('user_inputs_metadata', () => {
  it('has the APP and one GROUP per name segment in use, and every variable is ONEAPP_COPILOT_<GROUP>_<FIELD>', () => {
    const metadata = userInputsMetadata();
    assert.deepEqual(metadata[0], {
      TYPE: 'APP',
      NAME: 'COPILOT',
      TITLE: 'SLM-Copilot',
      DESCRIPTION: metadata[0]!.DESCRIPTION,
    });
    const groups = metadata.filter((m) => m.TYPE === 'GROUP').map((m) => m.NAME);
    for (const v of CONTEXT_VARIABLES) {
      const segments = v.name.split('_');
      // Sunstone needs ONEAPP + APP + GROUP + FIELD, else the input lands in "Others".
      assert.ok(segments.length >= 4, v.name);
      assert.equal(segments[2], v.group, v.name);
      assert.ok(groups.includes(v.group), v.name);
    }
    assert.deepEqual(groups.sort(), [...new Set(CONTEXT_VARIABLES.map((v) => v.group))].sort());
    for (const m of metadata) assert.ok(m.TITLE.length > 0 && m.DESCRIPTION.length > 0 && !m.DESCRIPTION.includes('|'));
  });
});

describe('own certificate variables (TLS_CERT / TLS_KEY, text64)', () => {
  const cert64 = Buffer.from(PEM_CERT).toString('base64');
  const key64 = Buffer.from(PEM_KEY).toString('base64');

  it('decodes base64 (text64) or takes PEM text, and implies TLS mode custom over the form default', () => {
    for (const mode of [undefined, 'self-signed', 'custom']) {
      const r = parseApplianceContext({
        ONEAPP_COPILOT_TLS_CERT: cert64,
        ONEAPP_COPILOT_TLS_KEY: PEM_KEY,
        ...(mode ? { ONEAPP_COPILOT_TLS_MODE: mode } : {}),
      });
      assert.ok(r.ok, JSON.stringify(r));
      assert.equal(r.value.tlsMode, 'custom');
      assert.deepEqual(r.value.customCertificate, { certPem: PEM_CERT, keyPem: PEM_KEY });
    }
  });

  it('names the missing half, custom without a certificate, letsencrypt with one, and non-PEM values (never echoed)', () => {
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ ONEAPP_COPILOT_TLS_CERT: cert64 }, 'ONEAPP_COPILOT_TLS_KEY', /required with ONEAPP_COPILOT_TLS_CERT/],
      [{ ONEAPP_COPILOT_TLS_KEY: key64 }, 'ONEAPP_COPILOT_TLS_CERT', /required with ONEAPP_COPILOT_TLS_KEY/],
      [{ ONEAPP_COPILOT_TLS_MODE: 'custom' }, 'ONEAPP_COPILOT_TLS_CERT', /required with ONEAPP_COPILOT_TLS_MODE=custom/],
      [
        {
          ONEAPP_COPILOT_TLS_MODE: 'letsencrypt',
          ONEAPP_COPILOT_TLS_HOSTNAME: 'a.example.org',
          ONEAPP_COPILOT_TLS_CERT: cert64,
          ONEAPP_COPILOT_TLS_KEY: key64,
        },
        'ONEAPP_COPILOT_TLS_MODE',
        /exclude each other/,
      ],
      [{ ONEAPP_COPILOT_TLS_CERT: 'c2VjcmV0LXN0dWZm', ONEAPP_COPILOT_TLS_KEY: key64 }, 'ONEAPP_COPILOT_TLS_CERT', /not a PEM certificate/],
      [{ ONEAPP_COPILOT_TLS_CERT: cert64, ONEAPP_COPILOT_TLS_KEY: 'secret-stuff!' }, 'ONEAPP_COPILOT_TLS_KEY', /not a PEM private key/],
    ];
    for (const [raw, field, message] of cases) {
      const r = parseApplianceContext(raw);
      assert.equal(r.ok, false, JSON.stringify(raw));
      if (!r.ok) {
        const issue = r.issues.find((i) => i.field === field);
        assert.ok(issue, JSON.stringify(r.issues));
        assert.match(issue.message, message);
        assert.ok(
          r.issues.every((i) => !i.message.includes('secret')),
          'values are never echoed',
        );
      }
    }
  });
});

describe('ONEAPP_COPILOT_SERVICE_ROLE', () => {
  it('accepts the three roles and names the allowed values for anything else', () => {
    for (const role of ['standalone', 'edge', 'engine'] as const) {
      const r = parseApplianceContext({ ONEAPP_COPILOT_SERVICE_ROLE: role, ONEAPP_COPILOT_API_KEY: 'sk-abcdefghijklmnopqrstuvwxyz012345' });
      assert.ok(r.ok);
      assert.equal(r.value.role, role);
    }
    const bad = parseApplianceContext({ ONEAPP_COPILOT_SERVICE_ROLE: 'balancer' });
    assert.ok(!bad.ok);
    assert.deepEqual(bad.issues, [
      { field: 'ONEAPP_COPILOT_SERVICE_ROLE', message: 'invalid value "balancer"; allowed: standalone, edge, engine' },
    ]);
  });

  it('reads the former ONEAPP_COPILOT_ROLE and reports a bad value under that name', () => {
    const r = parseApplianceContext({ ONEAPP_COPILOT_ROLE: 'engine', ONEAPP_COPILOT_SERVICE_CREDENTIAL: 'internal-credential-0123456789' });
    assert.ok(r.ok);
    assert.equal(r.value.role, 'engine');
    const bad = parseApplianceContext({ ONEAPP_COPILOT_ROLE: 'balancer' });
    assert.ok(!bad.ok);
    assert.deepEqual(bad.issues, [
      {
        field: 'ONEAPP_COPILOT_ROLE',
        message: 'invalid value "balancer"; allowed: standalone, edge, engine (former name of ONEAPP_COPILOT_SERVICE_ROLE)',
      },
    ]);
  });
});

describe('ONEAPP_COPILOT_SERVICE_CREDENTIAL', () => {
  it('edge and engine need a shared secret: the credential or the API key to derive it from', () => {
    for (const role of ['edge', 'engine']) {
      const r = parseApplianceContext({ ONEAPP_COPILOT_SERVICE_ROLE: role });
      assert.ok(!r.ok);
      assert.equal(r.issues[0]?.field, 'ONEAPP_COPILOT_SERVICE_CREDENTIAL');
      assert.match(r.issues[0]?.message ?? '', new RegExp(`required with ONEAPP_COPILOT_SERVICE_ROLE=${role}.*ONEAPP_COPILOT_API_KEY`));
    }
    assert.ok(parseApplianceContext({}).ok, 'standalone needs neither');
  });

  it('is checked like a key and never echoed', () => {
    const r = parseApplianceContext({ ONEAPP_COPILOT_SERVICE_CREDENTIAL: 'short;secret' });
    assert.ok(!r.ok);
    assert.equal(r.issues[0]?.field, 'ONEAPP_COPILOT_SERVICE_CREDENTIAL');
    assert.doesNotMatch(r.issues[0]?.message ?? '', /secret/);
  });
});
