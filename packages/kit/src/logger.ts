/**
 * Structured logs (pino). Request-scoped lines carry the request's correlation id: resolvers log
 * through `context.logger` (a child bound to it) and the error plugin logs with it. No
 * AsyncLocalStorage: on Node 20 it turns on promise hooks, which cost every promise of the gateway.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Creates the logger of one service. */
export function createLogger(service: string, level = 'info'): Logger {
  return pino({ name: service, level, base: { service } });
}
