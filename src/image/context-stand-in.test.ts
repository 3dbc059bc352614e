/**
 * The TEST-ONLY one-context stand-in, run for real (bash) on this machine with its system paths moved
 * into a scratch directory and blkid/mount/umount stubbed: the CD is a plain directory.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseOneEnv } from '../appliance/context/one-env.ts';
import { renderStandInScript } from './context-stand-in.ts';
import { renderContextSh } from './vm/context-iso.ts';

function runStandIn(cd: Record<string, string>): {
  oneEnv: Record<string, string>;
  hookEnv: string;
  networks: Record<string, string>;
  networkctl: string;
} {
  const dir = mkdtempSync(join(tmpdir(), 'stand-in-'));
  try {
    const [cdDir, bin, hooks, run] = ['cd', 'bin', 'hooks', 'run'].map((d) => join(dir, d)) as [string, string, string, string];
    for (const d of [cdDir, bin, hooks, run]) mkdirSync(d);
    for (const [name, text] of Object.entries(cd)) writeFileSync(join(cdDir, name), text);
    const stub = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    stub('blkid', 'echo /dev/fake-cd');
    // mount -o ro DEV DIR: the "CD" is a directory; copy it where the script reads it.
    stub('mount', `cp -a ${cdDir}/. "$4"/`);
    stub('umount', 'rm -rf "$1"/*');
    // networkd stand-ins: networkctl records its calls; ip shows the static addresses as configured.
    stub('networkctl', `echo "$*" >> ${join(dir, 'networkctl')}`);
    stub('ip', `cat ${join(run, 'systemd-network')}/*.network 2>/dev/null | sed -n 's|^Address=|2: eth inet |p'`);
    // Writes the environment a hook gets, one variable per line.
    writeFileSync(join(hooks, 'net-50-env'), `#!/bin/sh\nenv > ${join(dir, 'hook-env')}\n`, { mode: 0o755 });
    const script = renderStandInScript()
      .replaceAll('/run/one-context-test-stand-in', join(run, 'stand-in'))
      .replaceAll('/run/one-context', join(run, 'one-context'))
      .replaceAll('/etc/one-context.d', hooks)
      .replaceAll('/run/systemd/network', join(run, 'systemd-network'))
      .replace(/install -d -m 0700 \/root\/\.ssh[\s\S]*?chmod 0600 \/root\/\.ssh\/authorized_keys/, ':');
    mkdirSync(join(run, 'stand-in'));
    writeFileSync(join(dir, 'stand-in'), script);
    execFileSync('bash', [join(dir, 'stand-in'), 'boot'], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: 'utf8' });
    return {
      oneEnv: parseOneEnv(readFileSync(join(run, 'one-context', 'one_env'), 'utf8')),
      hookEnv: readFileSync(join(dir, 'hook-env'), 'utf8'),
      networks: Object.fromEntries(
        (existsSync(join(run, 'systemd-network')) ? readdirSync(join(run, 'systemd-network')) : []).map((f) => [
          f,
          readFileSync(join(run, 'systemd-network', f), 'utf8'),
        ]),
      ),
      networkctl: existsSync(join(dir, 'networkctl')) ? readFileSync(join(dir, 'networkctl'), 'utf8') : '',
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('with TOKEN=YES the token from token.txt goes into one_env only; VMID and ONEGATE_ENDPOINT also reach the hooks', () => {
  const context = renderContextSh({ TOKEN: 'YES', VMID: '417', ONEGATE_ENDPOINT: 'http://10.0.2.100:5030', REPORT_READY: 'YES' });
  const { oneEnv, hookEnv } = runStandIn({ 'context.sh': context, 'token.txt': 'tok-"$x`y`' });
  assert.equal(oneEnv['TOKENTXT'], 'tok-"$x`y`');
  assert.equal(oneEnv['VMID'], '417');
  assert.equal(oneEnv['ONEGATE_ENDPOINT'], 'http://10.0.2.100:5030');
  assert.equal(oneEnv['REPORT_READY'], 'YES');
  assert.match(hookEnv, /^VMID=417$/m);
  assert.match(hookEnv, /^ONEGATE_ENDPOINT=http:\/\/10\.0\.2\.100:5030$/m);
  assert.doesNotMatch(hookEnv, /TOKENTXT/, 'one-context does not give hooks the token');
});

test('without TOKEN=YES (no token.txt) one_env has an empty TOKENTXT, as loc-16-gen-env writes it', () => {
  const { oneEnv } = runStandIn({ 'context.sh': renderContextSh({ NETWORK: 'YES' }) });
  assert.equal(oneEnv['TOKENTXT'], '');
  assert.equal(oneEnv['NETWORK'], 'YES');
});

test('a static NIC (ETHn_IP/MASK, matched by ETHn_MAC) gets a networkd unit as one-context configures it; a DHCP NIC does not', () => {
  const context = renderContextSh({
    ETH0_MAC: '52:54:00:5C:0C:11',
    ETH0_IP: '10.0.2.15',
    ETH0_MASK: '255.255.255.0',
    ETH0_METHOD: 'dhcp',
    ETH1_MAC: '02:00:C0:A8:96:02',
    ETH1_IP: '192.168.150.2',
    ETH1_MASK: '255.255.254.0',
  });
  const { networks, networkctl } = runStandIn({ 'context.sh': context });
  assert.deepEqual(Object.keys(networks), ['10-one-context-test-stand-in-eth1.network']);
  const unit = networks['10-one-context-test-stand-in-eth1.network']!;
  assert.match(unit, /^MACAddress=02:00:c0:a8:96:02$/m);
  assert.match(unit, /^Address=192\.168\.150\.2\/23$/m);
  assert.match(networkctl, /^reload$/m);
  const { networks: none } = runStandIn({ 'context.sh': renderContextSh({ NETWORK: 'YES' }) });
  assert.deepEqual(none, {});
});
