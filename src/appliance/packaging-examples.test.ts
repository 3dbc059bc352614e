import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { PACKAGING_DIR, packagingExamples } from './packaging-examples.ts';

it('packaging/service/ matches what install and configure render (regenerate: node src/appliance/packaging-examples.ts)', () => {
  for (const { file, content } of packagingExamples()) assert.equal(readFileSync(PACKAGING_DIR + file, 'utf8'), content, file);
});
