import assert from 'node:assert/strict';
import { test } from 'node:test';
import { app2Validate } from './app2-validate.ts';

const good = `---
id: 11111111-2222-3333-4444-555555555555
name: X
version: 1.0.0-1-20260101
images:
- name: x
  url: https://example.org/x.qcow2
  size: 1024
  checksum:
    md5: ${'a'.repeat(32)}
    sha256: ${'b'.repeat(64)}
`;

const codes = (text: string) => app2Validate([{ path: 'a.yaml', text }]).map((i) => `${i.code}: ${i.message}`);

test('a complete appliance passes', () => {
  assert.deepEqual(codes(good), []);
});

test('required fields, images and checksums are errors when missing', () => {
  assert.deepEqual(codes(good.replace('name: X\n', 'name: ""\n')), ["missing-field: missing top-level 'name'"]);
  assert.deepEqual(codes(good.replace(/images:[\s\S]*/, 'images: []\n')), ['no-images: no images[] entries']);
  assert.deepEqual(codes(good.replace('  size: 1024\n', '  size: "1024"\n')), ['missing-field: images[0] missing/invalid size ("1024")']);
  assert.deepEqual(codes(good.replace('  size: 1024\n', '  size: 0\n')), ['missing-field: images[0] missing/invalid size (0)']);
  assert.deepEqual(codes(good.replace(/ {4}sha256: .*\n/, '')), ['missing-field: images[0] missing checksum.sha256']);
  assert.deepEqual(codes(good.replace('  url: https://example.org/x.qcow2\n', '')), ['missing-field: images[0] missing url']);
  assert.deepEqual(codes(good.replace(/images:[\s\S]*/, 'images:\n- just-a-string\n')), ['image: images[0] is not a mapping']);
});

test('VM and service templates may carry no images; a YAML that is no appliance is skipped; bad YAML is an error', () => {
  assert.deepEqual(codes(good.replace(/images:[\s\S]*/, 'type: VMTEMPLATE\nimages: []\n')), []);
  assert.deepEqual(codes('---\nfoo: bar\n'), []);
  assert.match(codes('---\nid: [unclosed\n')[0] ?? '', /^parse: cannot parse yaml/);
});

test('an id used by two files is an error in both', () => {
  const issues = app2Validate([
    { path: 'a.yaml', text: good },
    { path: 'b.yaml', text: good.replace('name: X', 'name: Y') },
  ]);
  assert.deepEqual(
    issues.map((i) => `${i.path} ${i.code}`),
    ['a.yaml duplicate-id', 'b.yaml duplicate-id'],
  );
});
