/**
 * The router's fetcher: the executor's subgraph fetches on one client per subgraph
 * (subgraph-fetch.ts: an undici pool, a deadline, in-flight sharing), at the URL the supergraph or
 * an override gives, forwarding the caller's identity: the bearer token, the correlation id and the
 * client's address (the router is the trust boundary subgraphs rely on), each subgraph behind its
 * circuit breaker (subgraph-breakers.ts).
 *
 * A fetch that got no answer costs its fields and one error: SERVICE_UNAVAILABLE for a subgraph that
 * timed out or could not be reached (this request's own failure), SUBGRAPH_UNAVAILABLE when it was not
 * even sent because the subgraph's breaker is open. Both carry `retryAfterSeconds`; the rest of the
 * response is served.
 */
import { GraphQLError } from 'graphql';
import { unavailableRetryAfterSeconds } from '#kit/error-formatter';
import { TransientFailure } from '#kit/failures';
import type { RouterContext } from '../context.ts';
import { SubgraphUnavailableError, type SubgraphBreakers } from './subgraph-breakers.ts';
import type { FetchFailure, SubgraphAnswer, SubgraphFetcher } from './executor.ts';
import {
  createSubgraphClient,
  SubgraphFetchError,
  type ForwardedIdentity,
  type SubgraphClient,
  type SubgraphRequestInfo,
} from './subgraph-fetch.ts';

export interface SubgraphFetcherOptions {
  /** The URL to reach a subgraph at (read on every fetch: a reloaded supergraph may move it). */
  urlOf(service: string): string;
  timeoutMs: number;
  dedup: boolean;
  /** Each fetch as it ends (metrics). */
  onRequest?: (info: SubgraphRequestInfo) => void;
  /** A circuit breaker per subgraph (none: every fetch is sent). */
  breakers?: SubgraphBreakers;
}

export interface RouterFetcher {
  fetch: SubgraphFetcher;
  /** What a fetch that got no GraphQL answer costs: its fields, with one error (SERVICE_UNAVAILABLE or SUBGRAPH_UNAVAILABLE when it may pass). */
  failure: FetchFailure;
  close(): Promise<void>;
}

export function createSubgraphFetcher(options: SubgraphFetcherOptions): RouterFetcher {
  const clients = new Map<string, { url: string; client: SubgraphClient }>();
  const clientOf = (service: string) => {
    const url = options.urlOf(service);
    let entry = clients.get(service);
    if (!entry || entry.url !== url) {
      if (entry) {
        void entry.client.close();
        options.breakers?.reset(service);
      }
      entry = {
        url,
        client: createSubgraphClient({
          name: service,
          url,
          timeoutMs: options.timeoutMs,
          dedup: options.dedup,
          onRequest: options.onRequest,
          guard: options.breakers?.guardOf(service),
        }),
      };
      clients.set(service, entry);
    }
    return entry.client;
  };

  return {
    async fetch(service, request, { mutation, context }) {
      // (Error entries are checked where they are used: a subgraph may send anything.)
      const answer = await clientOf(service).fetch(JSON.stringify(request), { mutation, identity: identityOf(context) });
      return answer as SubgraphAnswer;
    },
    failure(service, error) {
      if (error instanceof SubgraphUnavailableError) {
        const { retryAfterSeconds } = error;
        const message = `Subgraph "${service}" is unavailable; try again in ${retryAfterSeconds} s`;
        return new GraphQLError(message, {
          originalError: new TransientFailure(message, { cause: error }),
          extensions: { code: 'SUBGRAPH_UNAVAILABLE', retryAfterSeconds, serviceName: service },
        });
      }
      if (error instanceof SubgraphFetchError && error.code !== 'SUBGRAPH_BAD_RESPONSE') {
        // Unreachable or too slow: the world, not the request. The cause's text (addresses) stays in logs.
        const message = error.code === 'SUBGRAPH_TIMEOUT' ? error.message : `Subgraph "${service}" cannot be reached`;
        return new GraphQLError(message, {
          originalError: new TransientFailure(message, { cause: error }),
          extensions: { code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: unavailableRetryAfterSeconds, serviceName: service },
        });
      }
      const cause = error instanceof Error ? error : new Error(String(error));
      return new GraphQLError(cause.message, { originalError: cause, extensions: { serviceName: service } });
    },
    async close() {
      await Promise.all([...clients.values()].map(({ client }) => client.close()));
    },
  };
}

/** Who the router forwards a fetch for (and whom in-flight sharing must never mix up). */
export function identityOf(context: unknown): ForwardedIdentity {
  const router = context as Partial<RouterContext> | undefined;
  return {
    ...(router?.viewer ? { authorization: `Bearer ${router.viewer.token}` } : {}),
    ...(router?.correlationId ? { correlationId: router.correlationId } : {}),
    ...(router?.clientAddress ? { clientAddress: router.clientAddress } : {}),
  };
}
