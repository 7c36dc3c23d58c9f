/**
 * Structured logs (pino). Every line written while a request is handled carries its correlation id,
 * taken from an AsyncLocalStorage scope opened by the HTTP server.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type Logger } from 'pino';

export type { Logger };

const scope = new AsyncLocalStorage<{ correlationId: string }>();

/** Runs `fn` with `correlationId` attached to every log line written inside it. */
export function withCorrelationId<T>(correlationId: string, fn: () => T): T {
  return scope.run({ correlationId }, fn);
}

/** The correlation id of the request being handled, if any. */
export function currentCorrelationId(): string | undefined {
  return scope.getStore()?.correlationId;
}

/** Creates the logger of one service; `level` defaults to `info` (`silent` in tests). */
export function createLogger(service: string, level = 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    mixin: () => {
      const correlationId = currentCorrelationId();
      return correlationId ? { correlationId } : {};
    },
  });
}
