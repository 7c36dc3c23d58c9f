/**
 * Structured logs (pino). Request-scoped lines carry the request's correlation id: resolvers log
 * through `context.logger` (a child bound to it) and the error plugin logs with it. No
 * AsyncLocalStorage: on Node 20 it turns on promise hooks, which cost every promise of the gateway.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Where the loggers created from now on write; stdout when unset. */
let destination: DestinationStream | undefined;

/**
 * Sends the lines of every logger created from now on to `stream` (unset: stdout again). Each
 * service creates its loggers at start, so tests that read what services log set this first.
 */
export function setLogDestination(stream: DestinationStream | undefined): void {
  destination = stream;
}

/** Creates the logger of one service. */
export function createLogger(service: string, level = 'info'): Logger {
  const options = { name: service, level, base: { service } };
  return destination ? pino(options, destination) : pino(options);
}
