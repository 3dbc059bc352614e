import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseApplianceContext } from './context-schema.ts';
import { CONTEXT_VARIABLES, formatVariablesHelp, formatVariablesMarkdown, unknownVariableWarnings } from './context-variables.ts';

/** A valid value for every variable, so each injection test changes only the injected character. */
const VALID: Record<string, string> = {
  ONEAPP_COPILOT_API_KEY: 'sk-abcdefghijklmnopqrstuvwxyz012345',
  ONEAPP_COPILOT_HOSTNAME: 'copilot.example.org',
  ONEAPP_COPILOT_TLS_MODE: 'letsencrypt',
  ONEAPP_COPILOT_LE_EMAIL: 'ops@example.org',
  ONEAPP_COPILOT_CONTEXT_SIZE: '16384',
  ONEAPP_COPILOT_THREADS: '4',
  ONEAPP_COPILOT_TIMEOUT: '300',
  ONEAPP_COPILOT_RATE_LIMIT: '10',
  ONEAPP_COPILOT_RATE_BURST: '20',
  ONEAPP_COPILOT_MAX_CONNECTIONS: '16',
  ONEAPP_COPILOT_MODEL: 'devstral-small-2',
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
      apiKey: undefined,
      hostname: undefined,
      tlsMode: 'self-signed',
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
    const r = parseApplianceContext({ ...VALID, ONEAPP_COPILOT_MODEL: 'devstral.yaml', ONEAPP_COPILOT_HOSTNAME: 'Copilot.Example.ORG.' });
    assert.ok(r.ok);
    assert.equal(r.value.contextSize, 16384);
    assert.equal(r.value.threads, 4);
    assert.equal(r.value.model, 'devstral');
    assert.equal(r.value.hostname, 'copilot.example.org');
    assert.equal(r.value.tlsMode, 'letsencrypt');
  });

  it('accepts auto for context size and threads, and IPs as hostname', () => {
    const r = parseApplianceContext({
      ONEAPP_COPILOT_CONTEXT_SIZE: 'auto',
      ONEAPP_COPILOT_THREADS: 'auto',
      ONEAPP_COPILOT_HOSTNAME: '10.0.0.5',
    });
    assert.ok(r.ok);
    assert.equal(r.value.contextSize, 'auto');
    assert.equal(r.value.hostname, '10.0.0.5');
  });

  for (const variable of CONTEXT_VARIABLES) {
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
      ['ONEAPP_COPILOT_CONTEXT_SIZE', '1024'],
      ['ONEAPP_COPILOT_CONTEXT_SIZE', '1e5'],
      ['ONEAPP_COPILOT_THREADS', '0'],
      ['ONEAPP_COPILOT_TIMEOUT', '-1'],
      ['ONEAPP_COPILOT_TIMEOUT', '3.5'],
      ['ONEAPP_COPILOT_RATE_LIMIT', '0'],
      ['ONEAPP_COPILOT_RATE_BURST', 'ten'],
      ['ONEAPP_COPILOT_MAX_CONNECTIONS', '0x10'],
      ['ONEAPP_COPILOT_TLS_MODE', 'acme'],
      ['ONEAPP_COPILOT_LE_EMAIL', 'not-an-email'],
      ['ONEAPP_COPILOT_HOSTNAME', 'bad_host.example'],
      ['ONEAPP_COPILOT_MODEL', '../etc/passwd'],
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
    const r = parseApplianceContext({ ONEAPP_COPILOT_TIMEOUT: 'x', ONEAPP_COPILOT_RATE_LIMIT: '0', ONEAPP_COPILOT_TLS_MODE: 'none' });
    assert.equal(r.ok, false);
    if (!r.ok)
      assert.deepEqual(r.issues.map((i) => i.field).sort(), [
        'ONEAPP_COPILOT_RATE_LIMIT',
        'ONEAPP_COPILOT_TIMEOUT',
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
        ...(hostname ? { ONEAPP_COPILOT_HOSTNAME: hostname } : {}),
      });
      assert.equal(r.ok, false, String(hostname));
      if (!r.ok) assert.equal(r.issues[0]!.field, 'ONEAPP_COPILOT_HOSTNAME');
    }
  });

  it('trims blanks around values but nothing else', () => {
    const r = parseApplianceContext({ ONEAPP_COPILOT_TIMEOUT: ' 60 ' });
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
      unknownVariableWarnings(['ONEAPP_COPILOT_TIMEOUT', 'ONEAPP_COPILOT_TIMEOUTS', 'ONEAPP_COPILOT_CPU_THREADS', 'ETH0_IP', 'PATH']),
      [
        'ONEAPP_COPILOT_CPU_THREADS is not a SLM-Copilot variable and is ignored; use ONEAPP_COPILOT_THREADS',
        'ONEAPP_COPILOT_TIMEOUTS is not a SLM-Copilot variable and is ignored',
      ],
    );
  });
});
