/**
 * The appliance starts the engine with an argv it renders itself (systemd ExecStart, and the sandbox's
 * child manager). That argv must be one `serve` accepts, with the values the plan chose: an option
 * renamed on one side only would otherwise surface as an engine that never starts on a booted VM.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandServeArgs, parseEngineSettings, renderEngineSettings } from '../../src/appliance/render/engine-settings.ts';
import { serveOptions } from '../../src/engine/config/serve-config.ts';
import { parseOptions } from '../../src/lib/options.ts';

test("the rendered engine argv is accepted by serve's own option table and keeps every planned value", () => {
  const engine = { host: '10.1.2.3', port: 18081, threads: 5, contextSize: 24576, parallel: 2, queue: 12, requestTimeoutSeconds: 450 };
  const settings = renderEngineSettings({ engine, modelConfigPath: '/etc/slm-copilot/model.yaml' });
  const argv = expandServeArgs(parseEngineSettings(settings), '/run/credentials/slm-copilot.service');
  assert.equal(argv[0], 'serve');
  const options = parseOptions(serveOptions, argv.slice(1));
  assert.equal(options.config, '/etc/slm-copilot/model.yaml');
  assert.equal(options['api-key-file'], '/run/credentials/slm-copilot.service/engine-key');
  assert.equal(options.host, engine.host);
  assert.equal(options.port, engine.port);
  assert.equal(options.threads, engine.threads);
  assert.equal(options['context-size'], engine.contextSize);
  assert.equal(options.parallel, engine.parallel);
  assert.equal(options.queue, engine.queue);
  assert.equal(options['request-timeout'], engine.requestTimeoutSeconds);
});
