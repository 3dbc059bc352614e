import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectRawContext, oneGateAccess, vmAddresses } from './context-sources.ts';
import { parseOneEnv } from './one-env.ts';

describe('parseOneEnv', () => {
  it('reads export VAR="..." lines as data', () => {
    const text = [
      'export TOKENTXT="abc+/=="',
      'export VMID="42"',
      'export ONEGATE_ENDPOINT="http://169.254.16.9:5030"',
      'export ONEAPP_COPILOT_ENGINE_TIMEOUT="120"',
      `export ONEAPP_COPILOT_TLS_HOSTNAME='single.example'`,
      'export EMPTY=""',
      'PLAIN=word',
    ].join('\n');
    assert.deepEqual(parseOneEnv(text), {
      TOKENTXT: 'abc+/==',
      VMID: '42',
      ONEGATE_ENDPOINT: 'http://169.254.16.9:5030',
      ONEAPP_COPILOT_ENGINE_TIMEOUT: '120',
      ONEAPP_COPILOT_TLS_HOSTNAME: 'single.example',
      EMPTY: '',
      PLAIN: 'word',
    });
  });

  it('never executes anything: command substitutions stay literal text', () => {
    const vars = parseOneEnv('export ONEAPP_COPILOT_ENGINE_MODEL="$(touch /tmp/pwned)"\nexport X="a\\"b\\$c"');
    assert.equal(vars['ONEAPP_COPILOT_ENGINE_MODEL'], '$(touch /tmp/pwned)');
    assert.equal(vars['X'], 'a"b$c');
  });

  it('keeps multi-line quoted values together (the schema rejects them later)', () => {
    const vars = parseOneEnv('export A="line1\nline2"\nexport B="x"');
    assert.equal(vars['A'], 'line1\nline2');
    assert.equal(vars['B'], 'x');
  });

  it('skips malformed lines', () => {
    assert.deepEqual(parseOneEnv('export BROKEN="unterminated\n# comment\n\nexport OK="1"'), {});
    assert.deepEqual(parseOneEnv('garbage line\nexport OK="1"'), { OK: '1' });
  });
});

describe('context sources', () => {
  it('merges one_env under the environment and keeps only relevant names', () => {
    const raw = collectRawContext(
      { ONEAPP_COPILOT_ENGINE_TIMEOUT: '60', PATH: '/bin', HOME: '/root' },
      'export ONEAPP_COPILOT_ENGINE_TIMEOUT="30"\nexport ONEAPP_COPILOT_LIMIT_RATE="5"\nexport TOKENTXT="t"\nexport PASSWORD="x"',
    );
    assert.deepEqual(raw, { ONEAPP_COPILOT_ENGINE_TIMEOUT: '60', ONEAPP_COPILOT_LIMIT_RATE: '5', TOKENTXT: 't' });
  });

  it('takes VM addresses from ETHn_IP first, then interfaces', () => {
    assert.deepEqual(vmAddresses({ ETH1_IP: '10.0.1.2', ETH0_IP: '10.0.0.2', ETH0_IP6: 'fd00::2', ETH2_IP: 'bogus' }, {}), [
      '10.0.0.2',
      'fd00::2',
      '10.0.1.2',
    ]);
    const ifaces = {
      lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
      eth0: [
        { address: 'fe80::1', family: 'IPv6', internal: false },
        { address: '2001:db8::5', family: 'IPv6', internal: false },
        { address: '192.168.1.5', family: 'IPv4', internal: false },
      ],
    } as unknown as NodeJS.Dict<import('node:os').NetworkInterfaceInfo[]>;
    assert.deepEqual(vmAddresses({}, ifaces), ['192.168.1.5', '2001:db8::5']);
  });

  it('needs endpoint, token and VM id for OneGate', () => {
    assert.equal(oneGateAccess({ ONEGATE_ENDPOINT: 'http://x:5030', TOKENTXT: 't' }), undefined);
    assert.deepEqual(oneGateAccess({ ONEGATE_ENDPOINT: 'http://x:5030/', TOKENTXT: 't', VMID: '7' }), {
      endpoint: 'http://x:5030',
      token: 't',
      vmId: '7',
    });
  });
});
