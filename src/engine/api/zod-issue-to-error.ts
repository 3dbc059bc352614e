/**
 * Turns a zod failure into the one `InvalidRequestError` a client sees: the first issue's path becomes
 * OpenAI's `param` (`messages.0.role`), so a client can tell which field it got wrong.
 */
import type { z } from 'zod';
import { InvalidRequestError } from './api-errors.ts';

export function zodIssueToError(error: z.ZodError): InvalidRequestError {
  const issue = error.issues[0];
  if (issue === undefined) return new InvalidRequestError('The request body is invalid.');
  const param = issue.path.length === 0 ? null : issue.path.map(String).join('.');
  const where = param === null ? 'the request body' : `'${param}'`;
  return new InvalidRequestError(`Invalid value for ${where}: ${issue.message}`, { param, code: 'invalid_value' });
}
