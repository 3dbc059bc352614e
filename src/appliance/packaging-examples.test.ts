import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { PACKAGING_DIR, packagingExamples } from './packaging-examples.ts';

it('packaging/service/ matches what install and configure render (regenerate: node src/appliance/packaging-examples.ts)', () => {
  for (const { file, content } of packagingExamples()) assert.equal(readFileSync(PACKAGING_DIR + file, 'utf8'), content, file);
});

it('docs/appliance.md carries the current variables table', async () => {
  const { formatVariablesMarkdown } = await import('./context/context-variables.ts');
  const doc = readFileSync(new URL('../../docs/appliance.md', import.meta.url), 'utf8');
  const table = doc.slice(
    doc.indexOf('<!-- variables:begin -->\n') + '<!-- variables:begin -->\n'.length,
    doc.indexOf('<!-- variables:end -->'),
  );
  assert.equal(table, formatVariablesMarkdown());
});
