import assert from 'node:assert/strict';
import { test } from 'node:test';
import { debianMirrorLines, parseDeb822, parseOneLine } from './apt-sources.ts';

const deb822 = `Types: deb
# a comment
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://mirror.example/debian
Suites: bookworm
Components: main

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main

Types: deb
Enabled: no
URIs: http://disabled.example/debian
Suites: bookworm
Components: main
`;

test('deb822 stanzas: deb only, disabled ones skipped', () => {
  const sources = parseDeb822(deb822);
  assert.deepEqual(sources, [
    { uri: 'http://mirror.example/debian', suites: ['bookworm', 'bookworm-updates'], components: ['main', 'contrib'] },
    { uri: 'http://mirror.example/debian-security', suites: ['bookworm-security'], components: ['main'] },
  ]);
});

test('one-line sources with options and comments', () => {
  const sources = parseOneLine(
    '# x\ndeb [arch=amd64 signed-by=/k.gpg] http://m.example/debian bookworm main non-free\ndeb-src http://m.example/debian bookworm main\n',
  );
  assert.deepEqual(sources, [{ uri: 'http://m.example/debian', suites: ['bookworm'], components: ['main', 'non-free'] }]);
});

test('mirror lines keep only the Debian suite family and the main component', () => {
  const lines = debianMirrorLines([...parseDeb822(deb822), ...parseOneLine('deb https://other.example/apt cloud-sdk main')], 'bookworm');
  assert.deepEqual(lines, [
    'deb http://mirror.example/debian bookworm main',
    'deb http://mirror.example/debian bookworm-updates main',
    'deb http://mirror.example/debian-security bookworm-security main',
  ]);
});

test('no source for the suite is an error naming it', () => {
  assert.throws(() => debianMirrorLines(parseOneLine('deb http://m.example/debian trixie main'), 'bookworm'), /bookworm/);
});
