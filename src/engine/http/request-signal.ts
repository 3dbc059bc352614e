/**
 * One AbortSignal per request, whose reason says why it stopped: the client went away, the server is
 * shutting down, or the request ran past the configured limit. The engine gets only this signal.
 */
import { ClientClosedError, RequestTimeoutError } from '../api/api-errors.ts';

export interface RequestSignal {
  signal: AbortSignal;
  /** Removes listeners and timers; call when the request is over. */
  dispose(): void;
}

export function createRequestSignal(clientSignal: AbortSignal, shutdownSignal: AbortSignal, timeoutMs: number): RequestSignal {
  const controller = new AbortController();
  const onClient = () => controller.abort(new ClientClosedError());
  const onShutdown = () => controller.abort(shutdownSignal.reason);
  if (clientSignal.aborted) onClient();
  else clientSignal.addEventListener('abort', onClient, { once: true });
  if (shutdownSignal.aborted) onShutdown();
  else shutdownSignal.addEventListener('abort', onShutdown, { once: true });
  const timer = timeoutMs > 0 ? setTimeout(() => controller.abort(new RequestTimeoutError(timeoutMs / 1000)), timeoutMs) : undefined;
  timer?.unref();
  return {
    signal: controller.signal,
    dispose: () => {
      clientSignal.removeEventListener('abort', onClient);
      shutdownSignal.removeEventListener('abort', onShutdown);
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
