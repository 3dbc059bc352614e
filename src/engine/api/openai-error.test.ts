import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CommandError, ConfigError } from '../../lib/errors.ts';
import { QueueFullError } from './api-errors.ts';
import { toOpenAIError } from './openai-error.ts';

const INTERNAL = {
  status: 500,
  headers: {},
  body: {
    error: { message: 'The server had an internal error while processing the request.', type: 'server_error', param: null, code: null },
  },
};

test('API errors go out as they are, with their headers', () => {
  assert.deepEqual(toOpenAIError(new QueueFullError(8)), {
    status: 429,
    headers: { 'Retry-After': '2' },
    body: {
      error: {
        message: 'The server is busy: 8 requests are already waiting. Retry after 2 s.',
        type: 'rate_limit_error',
        param: null,
        code: 'queue_full',
      },
    },
  });
});

test('invalid configuration met by a request is a 400 naming the first field', () => {
  const e = new ConfigError([
    { field: '/m.yaml: context_size', message: 'must be positive' },
    { field: '/m.yaml: parameters.model', message: 'is required' },
  ]);
  assert.deepEqual(toOpenAIError(e), {
    status: 400,
    headers: {},
    body: {
      error: {
        message: '/m.yaml: context_size: must be positive\n/m.yaml: parameters.model: is required',
        type: 'invalid_request_error',
        param: '/m.yaml: context_size',
        code: 'invalid_config',
      },
    },
  });
});

test('anything else is a 500 that leaks nothing: not a command line, not its stderr, not a plain message', () => {
  assert.deepEqual(toOpenAIError(new CommandError(['openssl', 'req', '-key', '/secret'], 1, 'unable to load key')), INTERNAL);
  assert.deepEqual(toOpenAIError(new Error('ENOENT: /var/lib/slm-copilot/api-key')), INTERNAL);
  assert.deepEqual(toOpenAIError('a thrown string'), INTERNAL);
});
