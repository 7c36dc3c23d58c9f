/**
 * Errors a person can act on: every failure the app shows goes through {@link describeError}, which
 * maps the router's `extensions.code` (kit/src/errors.ts, the router's edge codes) to a
 * sentence saying what happened and what to do. Never a stack trace, never an unbounded message.
 */
import { sessionExpiredNotice } from './session/session.ts';

/** What the app knows of one error: its code and whatever the server said beside it. */
export interface ErrorInfo {
  code?: string;
  message?: string;
  retryAfterSeconds?: number;
  field?: string;
}

const seconds = (n: number | undefined) =>
  n === undefined || !Number.isFinite(n) || n <= 0 ? 'a moment' : `${Math.ceil(n)} second${Math.ceil(n) === 1 ? '' : 's'}`;

/** A server message fit to show: its first line, bounded; none when it looks like a stack or is empty. */
function safeMessage(message: string | undefined): string | undefined {
  if (!message) return undefined;
  const firstLine = message.split('\n')[0]!.trim();
  if (firstLine === '' || /^\s*at\s|Error:\s|\.(ts|js):\d+/.test(firstLine)) return undefined;
  return firstLine.length > 300 ? `${firstLine.slice(0, 297)}…` : firstLine;
}

const sentence = (text: string) => (/[.!?…]$/.test(text) ? text : `${text}.`);

/** The message for one error. */
export function messageFor(info: ErrorInfo): string {
  const said = safeMessage(info.message);
  switch (info.code) {
    case 'RATE_LIMITED':
      return `Too many attempts: try again in ${seconds(info.retryAfterSeconds)}.`;
    case 'UNAUTHENTICATED':
      return sessionExpiredNotice;
    case 'FORBIDDEN':
      return 'You do not have access to this.';
    case 'NOT_FOUND':
      return said ? sentence(said) : 'Not found.';
    case 'BAD_USER_INPUT':
    case 'CONFLICT':
      // Domain messages are written for the person at the keyboard (e.g. a refused file type).
      return said ? sentence(said) : 'Check what you entered and try again.';
    case 'QUOTA_EXCEEDED':
      // The documents subgraph's own message already says to delete some: not twice.
      if (said && /\bdelete\b/i.test(said)) return sentence(said);
      return `${said ? sentence(said) : 'You have used up your quota.'} Delete documents to make room.`;
    case 'PAYLOAD_TOO_LARGE':
      return 'That is too large to send.';
    // The browser's own checks and the presigned upload (web/src/documents), before or beside the API.
    case 'FILE_TYPE_REFUSED':
      return 'That type of file cannot be read: choose plain text, PDF, PNG, JPEG or DOCX.';
    case 'FILE_TOO_LARGE':
      return said ? sentence(said) : 'That file is too large: choose a smaller one.';
    case 'FILE_EMPTY':
      return 'That file is empty: choose another.';
    case 'UPLOAD_FAILED':
      return 'The file did not reach the storage: try the upload again.';
    case 'OUT_OF_STOCK':
      return 'Not enough stock: lower the quantity or remove the product.';
    case 'PAYMENT_DECLINED':
      return said ? `Your card was declined: ${sentence(said)}` : 'Your card was declined: try another card.';
    case 'SERVICE_UNAVAILABLE':
    case 'SUBGRAPH_UNAVAILABLE':
      return `Part of the service is unavailable right now: try again in ${seconds(info.retryAfterSeconds)}.`;
    case 'COST_ESTIMATED_TOO_EXPENSIVE':
    case 'QUERY_TOO_COMPLEX':
    case 'QUERY_TOO_DEEP':
      return 'That request asks for too much at once: ask for fewer items.';
    case 'PERSISTED_QUERY_NOT_IN_LIST':
    case 'PERSISTED_QUERY_NOT_FOUND':
    case 'PERSISTED_QUERY_HASH_MISMATCH':
    case 'GRAPHQL_VALIDATION_FAILED':
    case 'GRAPHQL_PARSE_FAILED':
      return 'This version of the app is out of date: reload the page.';
    case 'NETWORK_ERROR':
      return 'The server cannot be reached: check your connection and try again.';
    case 'INTERNAL_SERVER_ERROR':
    case undefined:
      return 'Something went wrong on our side: try again.';
    default:
      return said ? sentence(said) : 'Something went wrong on our side: try again.';
  }
}

interface GraphQLErrorLike {
  message?: string;
  extensions?: Record<string, unknown>;
}

const infoOf = (error: GraphQLErrorLike): ErrorInfo => {
  const ext = error.extensions ?? {};
  return {
    code: typeof ext.code === 'string' ? ext.code : undefined,
    message: error.message,
    retryAfterSeconds: typeof ext.retryAfterSeconds === 'number' ? ext.retryAfterSeconds : undefined,
    field: typeof ext.field === 'string' ? ext.field : undefined,
  };
};

/**
 * What an error thrown anywhere in the app is, as {@link ErrorInfo}: Apollo's
 * `CombinedGraphQLErrors` (its first error), `ServerError` (an HTTP status, maybe a GraphQL body),
 * an `/auth/*` route's refusal, graphql-ws's refusals (an array of GraphQL errors, a close event),
 * a failed fetch.
 */
export function errorInfo(error: unknown): ErrorInfo {
  if (Array.isArray(error)) return error.length > 0 ? errorInfo(error[0]) : {};
  if (typeof error !== 'object' || error === null) return {};
  const e = error as {
    errors?: unknown;
    code?: unknown;
    statusCode?: unknown;
    status?: unknown;
    bodyText?: unknown;
    retryAfterSeconds?: unknown;
    message?: unknown;
    extensions?: unknown;
    reason?: unknown;
    name?: unknown;
  };
  // CombinedGraphQLErrors, or a GraphQL response body.
  if (Array.isArray(e.errors) && e.errors.length > 0) return infoOf(e.errors[0] as GraphQLErrorLike);
  if (typeof e.extensions === 'object' && e.extensions !== null) return infoOf(e as GraphQLErrorLike);
  if (e.name === 'AuthRouteError' && typeof e.code === 'string') {
    return {
      code: e.code,
      message: typeof e.message === 'string' ? e.message : undefined,
      retryAfterSeconds: typeof e.retryAfterSeconds === 'number' ? e.retryAfterSeconds : undefined,
    };
  }
  // Apollo's ServerError: the body may still say what the code is.
  if (typeof e.statusCode === 'number') {
    if (typeof e.bodyText === 'string') {
      try {
        const body = JSON.parse(e.bodyText) as { errors?: GraphQLErrorLike[] };
        if (body.errors?.[0]) return infoOf(body.errors[0]);
      } catch {
        // Not JSON: by status below.
      }
    }
    return { code: codeOfStatus(e.statusCode) };
  }
  // A WebSocket closed under a subscription (4401: the token the socket carries was refused).
  if (typeof e.code === 'number') {
    if (e.code === 4401 || e.code === 4403) return { code: 'UNAUTHENTICATED' };
    if (e.code === 4429) return { code: 'RATE_LIMITED' };
    return { code: 'NETWORK_ERROR' };
  }
  // fetch() rejects with a TypeError when the network or CORS fails.
  if (e.name === 'TypeError') return { code: 'NETWORK_ERROR' };
  return {};
}

function codeOfStatus(status: number): string | undefined {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 429) return 'RATE_LIMITED';
  if (status === 502 || status === 503 || status === 504) return 'SERVICE_UNAVAILABLE';
  return undefined;
}

/** The message to show for any error. */
export function describeError(error: unknown): string {
  return messageFor(errorInfo(error));
}

/** Why an order was cancelled, in words (the `CancelReason` enum). */
export function cancelReasonText(reason: string | null | undefined): string {
  switch (reason) {
    case 'OUT_OF_STOCK':
      return 'Out of stock: there were not enough units for this order.';
    case 'PAYMENT_DECLINED':
      return 'Payment declined: the card was refused.';
    case 'PAYMENT_ERROR':
      return 'The payment could not be processed: nothing was charged; try again.';
    case 'RESERVATION_EXPIRED':
      return 'The reservation expired before the payment completed.';
    case 'CANCELLED_BY_CUSTOMER':
      return 'Cancelled by you.';
    case 'ZERO_TOTAL':
      return 'Every product was priced at zero: there was nothing to charge.';
    case 'MIXED_CURRENCIES':
      return 'The products are priced in different currencies: order them separately.';
    case 'TOTAL_TOO_LARGE':
      return 'The total is larger than one payment can be: order fewer units.';
    case 'TIMED_OUT':
      return 'A step of the order took too long; anything charged was refunded.';
    default:
      return 'Cancelled.';
  }
}
