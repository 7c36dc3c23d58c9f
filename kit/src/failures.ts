/**
 * Why something failed, as a retry loop needs to know it:
 *
 * - `transient` — the world, not the message: a database or Redis that is down, restarting or
 *   overloaded, a connection cut, a timeout, a lock conflict, or work that is not ready yet
 *   ({@link TransientFailure}). Trying again later will succeed, so it is retried without limit.
 * - `content` — the message itself: it does not parse or validate, or it breaks a rule
 *   (a `DomainError`, zod, {@link InvalidMessage}). Trying again changes nothing: it is
 *   dead-lettered at once, for an operator to read and replay.
 * - `unknown` — anything else (a bug, a library's surprise): retried a bounded number of times.
 *
 * Errors are read through their `cause` chain: Prisma and pg wrap the driver's error.
 */

/** Thrown by a handler whose work cannot be done yet but will be later (a charge still in flight). */
export class TransientFailure extends Error {
  override readonly name: string = 'TransientFailure';
}

/** Thrown by a handler for a message that can never succeed as it is (a broken contract). */
export class InvalidMessage extends Error {
  override readonly name: string = 'InvalidMessage';
}

export type FailureKind = 'transient' | 'content' | 'unknown';

/** Node's system errors of a network peer that is unreachable, gone, or too slow. */
const transientSystemCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * PostgreSQL SQLSTATEs (or their classes) that say "try again": connection exceptions (08),
 * serialization failures and deadlocks (40001, 40P01), insufficient resources (53), the server
 * shutting down or starting (57P01-57P03), a lock not available (55P03), a statement cancelled by a
 * timeout (57014), system errors (58).
 */
const transientSqlStates = /^(08|53|58)|^(40001|40P01|55P03|57014|57P01|57P02|57P03)$/;

/**
 * Prisma's codes for an unreachable or overloaded database and for transaction conflicts; P2028:
 * a transaction that could not start in time (no connection) or expired.
 */
const transientPrismaCodes = new Set(['P1001', 'P1002', 'P1008', 'P1011', 'P1017', 'P2024', 'P2028', 'P2034', 'P2037']);

/** Driver-adapter error kinds (Prisma's `DriverAdapterError.cause.kind`) of the same nature. */
const transientAdapterKinds = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TransactionWriteConflict',
  'TransactionAlreadyClosed',
]);

/** Messages of pg, ioredis and undici that carry no code for a lost or slow connection. */
const transientMessages =
  /Connection terminated|Connection is closed|connection error and is not queryable|timeout exceeded when trying to connect|Query read timeout|Command timed out|Reached the max retries per request|Stream isn't writeable|LOADING Redis is loading|READONLY You can't write|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|socket hang up|other side closed|fetch failed/i;

function kindOfOne(error: unknown): FailureKind | null {
  if (!error || typeof error !== 'object') return null;
  if (error instanceof TransientFailure) return 'transient';
  if (error instanceof InvalidMessage) return 'content';
  const e = error as { name?: string; code?: unknown; message?: unknown; kind?: unknown; originalCode?: unknown };
  if (e.name === 'DomainError') {
    // (By name: errors.ts reads this module.) A rate limit or an unavailable dependency is the world, not the message.
    return e.code === 'RATE_LIMITED' || e.code === 'SERVICE_UNAVAILABLE' ? 'transient' : 'content';
  }
  if (e.name === 'ZodError' || error instanceof SyntaxError) return 'content';
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || e.name === 'MaxRetriesPerRequestError') return 'transient';
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code && (transientSystemCodes.has(code) || transientPrismaCodes.has(code))) return 'transient';
  if (code && /^[0-9A-Z]{5}$/.test(code) && transientSqlStates.test(code)) return 'transient';
  if (typeof e.originalCode === 'string' && transientSqlStates.test(e.originalCode)) return 'transient';
  if (typeof e.kind === 'string' && transientAdapterKinds.has(e.kind)) return 'transient';
  const message = typeof e.message === 'string' ? e.message : '';
  if (transientMessages.test(message)) return 'transient';
  // Prisma names the database's code in its message: "... Code: `57P01`. Message: ...".
  const named = /Code: `([0-9A-Z]{5})`/.exec(message)?.[1];
  if (named && transientSqlStates.test(named)) return 'transient';
  return null;
}

/** What kind of failure `error` is (see the module comment), reading its `cause` chain. */
export function failureKindOf(error: unknown): FailureKind {
  const seen = new Set<unknown>();
  for (let current: unknown = error; current && !seen.has(current); current = (current as { cause?: unknown }).cause) {
    seen.add(current);
    const kind = kindOfOne(current);
    if (kind) return kind;
    // AggregateError (e.g. a connection refused on every address of a host) is transient if any part is.
    const parts = (current as { errors?: unknown }).errors;
    if (Array.isArray(parts) && parts.some((part) => failureKindOf(part) === 'transient')) return 'transient';
  }
  return 'unknown';
}

/**
 * The wait before retry number `attempt` (1 = the first retry): `firstMs` doubling up to `maxMs`,
 * spread by ±20 % so that many consumers recovering together do not retry in step.
 */
export function backoffDelay(attempt: number, firstMs: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(maxMs, firstMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}
