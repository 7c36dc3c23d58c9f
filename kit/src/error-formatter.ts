/**
 * How errors reach clients, in one place: the formatter maps a {@link DomainError} to
 * `extensions.code` and masks everything else outside development; unexpected errors are logged once.
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { ApolloServerPlugin } from '@apollo/server';
import { DomainError, errorCodes, type ErrorCode } from './errors.js';
import { failureKindOf } from './failures.js';
import type { Logger } from './logger.js';

const httpStatusOf: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  // A quota is spent until the user frees some of it: waiting does not help (unlike 429).
  QUOTA_EXCEEDED: 403,
  SERVICE_UNAVAILABLE: 503,
};

/** A GraphQLError carrying a stable code (and an HTTP status for the codes that have one). */
export function graphQLErrorOf(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
  const status = httpStatusOf[code];
  return new GraphQLError(message, {
    extensions: { code, ...details, ...(status ? { http: { status } } : {}) },
  });
}

/** Extensions that may reach clients in production besides `code`. */
const safeExtensionKeys = new Set(['code', 'retryAfterSeconds', 'field', 'argument', 'cost']);

/** Codes produced by GraphQL itself or by Apollo Server that carry a safe, useful message. */
const passThroughCodes = new Set<string>([
  ...errorCodes,
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'PERSISTED_QUERY_NOT_IN_LIST',
  'PERSISTED_QUERY_HASH_MISMATCH',
  'OPERATION_RESOLUTION_FAILURE',
  'QUERY_TOO_DEEP',
  'QUERY_TOO_COMPLEX',
  // The router: a subgraph's circuit breaker is open; its fields are null, the rest is served.
  'SUBGRAPH_UNAVAILABLE',
  'COST_ESTIMATED_TOO_EXPENSIVE',
]);

/**
 * The code of a formatted error. Apollo Server files every validation error under
 * GRAPHQL_VALIDATION_FAILED, over the code a rule gave it (QUERY_TOO_DEEP, QUERY_TOO_COMPLEX): the
 * rule's code is the one clients can act on, and the one graphql-ws (validated without Apollo) keeps.
 */
function codeOf(formatted: GraphQLFormattedError, error: unknown): unknown {
  const code = formatted.extensions?.code;
  if (code !== 'GRAPHQL_VALIDATION_FAILED' || !(error instanceof GraphQLError)) return code;
  const ruleCode = error.originalError instanceof GraphQLError ? error.originalError.extensions.code : undefined;
  return typeof ruleCode === 'string' && passThroughCodes.has(ruleCode) ? ruleCode : code;
}

/** graphql-js's hints in validation and input errors: ` Did you mean "email"?`, `… the enum value "PAID"?`. */
const suggestions = / Did you mean [^?]*\?/g;

/** Where an error happened (path, locations), without the rest of what it says. */
const positionOf = ({ path, locations }: GraphQLFormattedError) => ({
  ...(path ? { path } : {}),
  ...(locations ? { locations } : {}),
});

const unavailableMessage = 'A service this request needs is unavailable right now; try again in a few seconds';
/** How long a client is told to wait before trying again when a dependency is unavailable. */
export const unavailableRetryAfterSeconds = 5;

/**
 * Builds Apollo Server's `formatError`. Domain errors keep their code and message; errors with a
 * known code pass through; a failure of a dependency that is down or too slow (failures.ts:
 * transient) becomes `SERVICE_UNAVAILABLE` with `retryAfterSeconds`; anything else becomes
 * `INTERNAL_SERVER_ERROR` with a generic message unless `exposeInternals` (development) is set. Outside development, graphql-js's "Did you mean …?"
 * hints are cut: with introspection off they would still spell out the schema's names. Stack traces
 * never leave in production because servers also set `includeStacktraceInErrorResponses: exposeInternals`.
 */
export function createErrorFormatter(options: { exposeInternals: boolean }) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof DomainError) {
      return {
        ...formatted,
        message: original.message,
        extensions: { ...original.details, code: original.code },
      };
    }
    const code = codeOf(formatted, error);
    if (typeof code === 'string' && passThroughCodes.has(code) && code !== 'INTERNAL_SERVER_ERROR') {
      if (options.exposeInternals) return { ...formatted, extensions: { ...formatted.extensions, code } };
      // Keep the code and the hints clients act on; drop the rest (a subgraph's response, URLs, traces).
      const extensions = Object.fromEntries(
        Object.entries({ ...formatted.extensions, code }).filter(([key]) => safeExtensionKeys.has(key)),
      );
      return { ...formatted, message: formatted.message.replace(suggestions, ''), extensions };
    }
    if (failureKindOf(original) === 'transient') {
      // A database or Redis that is down or too slow: the request can succeed again shortly.
      return {
        message: options.exposeInternals ? `${unavailableMessage} (${formatted.message})` : unavailableMessage,
        ...positionOf(formatted),
        extensions: { code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: unavailableRetryAfterSeconds },
      };
    }
    if (options.exposeInternals) return { ...formatted, extensions: { ...formatted.extensions, code: 'INTERNAL_SERVER_ERROR' } };
    return {
      message: 'Internal server error',
      ...positionOf(formatted),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}

/** True for errors the formatter shows as they are (domain errors, known codes). */
function isExpected(error: GraphQLError): boolean {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError) return true;
  const code = error.extensions?.code;
  return typeof code === 'string' && passThroughCodes.has(code) && code !== 'INTERNAL_SERVER_ERROR';
}

/** Logs each unexpected error of a request once, with its correlation id (the client sees it masked). */
export function errorLoggingPlugin(logger: Logger): ApolloServerPlugin<{ correlationId?: string }> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue, operationName }) {
          for (const error of errors) {
            if (isExpected(error)) continue;
            const cause = unwrapResolverError(error);
            if (failureKindOf(cause) === 'transient') {
              logger.warn(
                { err: cause, correlationId: contextValue.correlationId, operationName },
                'a dependency is unavailable',
              );
              continue;
            }
            logger.error(
              { err: cause, correlationId: contextValue.correlationId, operationName, path: error.path },
              'unexpected error',
            );
          }
        },
      };
    },
  };
}
