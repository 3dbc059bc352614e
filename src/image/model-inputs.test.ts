import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../lib/errors.ts';
import { writeGguf } from '../modelgen/gguf-writer.ts';
import { describeModel } from '../modelgen/make-model.ts';
import { describeTemplateChoice, templateChoiceFor, verifyModelSha256 } from './model-inputs.ts';

const dir = mkdtempSync(join(tmpdir(), 'model-inputs-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const TEMPLATES = join(import.meta.dirname, '../../test/fixtures/chat-templates');

function model(name: string, chatTemplate?: string | null): string {
  const path = join(dir, `${name}.gguf`);
  writeGguf(path, describeModel({ kind: 'scripted', ...(chatTemplate === undefined ? {} : { chatTemplate }) }));
  return path;
}

describe('verifyModelSha256', () => {
  const path = model('pinned');
  const actual = createHash('sha256').update(readFileSync(path)).digest('hex');

  it('passes the pinned file (any case) and names the field with both digests on a mismatch', async () => {
    assert.equal(await verifyModelSha256(path, actual.toUpperCase()), actual);
    const wrong = '0'.repeat(64);
    await assert.rejects(verifyModelSha256(path, wrong), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.issues[0]?.field, '--model-sha256');
      assert.match(e.issues[0]?.message ?? '', new RegExp(`has sha256 ${actual}, the build pins ${wrong}: wrong or corrupted`));
      return true;
    });
    await assert.rejects(verifyModelSha256(path, 'abc'), /must be 64 hex digits/);
  });
});

describe('templateChoiceFor: what image build prints, decided by the engine’s profiling', () => {
  const fixture = (file: string) => readFileSync(join(TEMPLATES, file), 'utf8');

  it('uses a template that survives every probe shape, in its tool-call syntax', async () => {
    assert.deepEqual(await templateChoiceFor(model('own')), { renderer: 'model', reason: undefined, toolCallFormat: 'devstral-v13' });
    assert.equal((await templateChoiceFor(model('call-id', fixture('call-id.jinja')))).toolCallFormat, 'mistral-call-id');
    for (const file of ['content-length.jinja', 'role-transitions.jinja'])
      assert.equal((await templateChoiceFor(model(file, fixture(file)))).renderer, 'model', file);
  });

  it('falls back to the built-in renderer, saying why', async () => {
    const none = await templateChoiceFor(model('none', null));
    assert.equal(
      describeTemplateChoice(none),
      'the built-in v13 renderer (tool calls: devstral-v13), because the model has no chat template',
    );
    const alternation = await templateChoiceFor(model('alternation', fixture('role-alternation.jinja')));
    assert.match(alternation.reason ?? '', /conversation roles must alternate .* on a tool round then a user message/);
    const subscript = await templateChoiceFor(model('subscript', fixture('integer-subscript.jinja')));
    assert.match(subscript.reason ?? '', /Cannot access property with non-string: got IntegerValue/);
  });
});
