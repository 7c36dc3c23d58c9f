/**
 * One error vocabulary for every service: domain code throws {@link DomainError} with a stable code.
 * Pure (no imports): domain code uses it. How errors reach clients (the code in `extensions`, masking
 * outside development) is error-formatter.ts.
 */
/** Stable codes clients can branch on. */
export const errorCodes = [
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  'QUOTA_EXCEEDED',
  'PAYLOAD_TOO_LARGE',
  'SERVICE_UNAVAILABLE',
  'INTERNAL_SERVER_ERROR',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

/** A failure the caller can act on; its message is shown to clients as-is. */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const badInput = (message: string, details?: Record<string, unknown>) =>
  new DomainError('BAD_USER_INPUT', message, details);
export const notFound = (what: string) => new DomainError('NOT_FOUND', `${what} was not found`);
export const forbidden = (message = 'You may not do this') => new DomainError('FORBIDDEN', message);
export const unauthenticated = (message = 'Sign in to do this') => new DomainError('UNAUTHENTICATED', message);
/**
 * A dependency the operation cannot go without (e.g. the abuse-limit counters) is out of reach: the
 * request is refused rather than served unchecked, and the client may retry after `retryAfterSeconds`.
 */
export const serviceUnavailable = (message: string, retryAfterSeconds: number) =>
  new DomainError('SERVICE_UNAVAILABLE', `${message}; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });

/** Exhaustiveness check for `switch` statements over unions. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value ${String(value)}`);
}
