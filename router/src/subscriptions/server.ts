/**
 * GraphQL over WebSocket at the router (graphql-ws, same port and path as HTTP). Subscriptions are
 * validated against the supergraph, filtered by the schema's auth directives, planned by the
 * federation query planner and joined to a shared live query (see hub.ts); queries and mutations
 * sent over the socket run through Apollo Server like HTTP ones.
 *
 * Whatever stops an operation before it runs — a syntax error, a validation error (document limits
 * included), a variable value that does not fit its type — is answered as graphql-ws's `error`
 * message (PROTOCOL.md), which ends the operation without a `complete`; only errors met while
 * executing come in a `next`, beside the data. So every operation, whatever its kind, is validated
 * here before it is handed on.
 *
 * Identity over time:
 * - `connection_init` carries `{ "authorization": "Bearer <access token>" }` (optional: anonymous
 *   connections may run what anonymous callers may). A bad token closes the socket with 4401 before
 *   any subscription.
 * - When the token expires, each open subscription receives an `UNAUTHENTICATED` error and ends,
 *   and the socket closes with 4401 — unless the client refreshed first: a graphql-ws `ping` whose
 *   payload is `{ "authorization": "Bearer <fresh token>" }` for the same user and scopes replaces
 *   the connection's identity (a different user or scopes: close 4403; a bad token: close 4401).
 *   Reconnecting with a fresh token works too: every subscription starts with the current state.
 *
 * Here the parts meet: connections.ts admits sockets and keeps their identity, admission.ts admits
 * operations (decisions.ts holds what the supergraph decided per text and scope), live-queries.ts says
 * which live query a subscription joins, execution.ts runs what was admitted.
 */
import type { Server } from 'node:http';
import { startGraphQLWs, type GraphQLWsOptions } from '#kit/graphql-ws-server';
import type { TokenVerifier } from '#kit/auth';
import type { Logger } from '#kit/logger';
import type { AccessPolicies } from '../authorization.ts';
import type { DocumentLimits } from '../document-limits.ts';
import type { DemandControl } from '../demand-control.ts';
import type { Admission, Refusal } from '../rate-limits.ts';
import { subscribeMessageReviver, type TrustedDocuments } from '../trusted-documents.ts';
import { admitOperation, holdSubscriptionSlot, operationArgs } from './admission.ts';
import { createConnections } from './connections.ts';
import { createDecisions } from './decisions.ts';
import { createExecution, type ExecuteOperation } from './execution.ts';
import { createSubscriptionHub, type HubCounters } from './hub.ts';
import { subscriptionArgs } from './live-queries.ts';
import type { SubscriptionPlanner } from './query-plan.ts';
import type { Upstreams } from './upstream.ts';

export interface SubscriptionServerOptions {
  server: Server;
  logger: Logger;
  /** The router's error formatter (internals masked in production), as for HTTP. */
  formatError: GraphQLWsOptions['formatError'];
  verify: TokenVerifier;
  /** The planner of the supergraph in use (replaced on every supergraph change). */
  planner: () => SubscriptionPlanner;
  policies: () => AccessPolicies;
  upstreams: Upstreams;
  /**
   * Runs a query or mutation sent over the socket (through Apollo Server); an operation with `@defer`
   * answers a stream of results (successive `next` messages).
   */
  executeOperation: ExecuteOperation;
  /** The router's hostile-input limits, as for HTTP. */
  limits: DocumentLimits;
  /** Demand control, as for HTTP: an operation estimated over the limit is refused with an `error` message. */
  cost?: DemandControl['check'];
  /** Whether introspection queries may run, as for HTTP; when not, `__schema` and `__type` fail validation. */
  introspection: boolean;
  maxMessageBytes: number;
  trustedProxies: string[];
  maxSubscriptionsPerConnection?: number;
  keepAliveMs?: number;
  maxBufferedBytes?: number;
  counters?: HubCounters;
  /** Trusted documents, as for HTTP: ids resolved, and in `enforce` mode anything else refused. */
  trustedDocuments?: TrustedDocuments;
  /** The router's rate limits: takes an operation's tokens or says why not (answered as an `error` message). */
  admit?: (admission: Admission) => Promise<Refusal | undefined>;
}

/** The router's graphql-ws server on `options.server`; see the header for what it does. */
export function startSubscriptionServer(options: SubscriptionServerOptions) {
  const { logger } = options;
  const maxPerConnection = options.maxSubscriptionsPerConnection ?? 100;
  const hub = createSubscriptionHub({ upstreams: options.upstreams, logger, counters: options.counters });
  const connections = createConnections(options.verify);
  const decisions = createDecisions(options);
  const execution = createExecution({ hub, executeOperation: options.executeOperation });

  const ws = startGraphQLWs({
    server: options.server,
    logger,
    formatError: options.formatError,
    maxMessageBytes: options.maxMessageBytes,
    trustedProxies: options.trustedProxies,
    keepAliveMs: options.keepAliveMs,
    maxBufferedBytes: options.maxBufferedBytes,
    graphqlWs: {
      // Lets a `subscribe` payload name its document by id only (graphql-ws wants a `query` string).
      ...(options.trustedDocuments ? { jsonMessageReviver: subscribeMessageReviver } : {}),
      onConnect: connections.onConnect,
      onPing: connections.onPing,
      onClose: connections.onClose,
      async onSubscribe({ extra }, _id, payload) {
        const connection = connections.get(extra);
        const admitted = await admitOperation(options, decisions, connection, payload);
        if (Array.isArray(admitted)) return admitted;
        if (admitted.operation.operation !== 'subscription') return operationArgs(admitted, connection, payload);
        return holdSubscriptionSlot(connection, maxPerConnection, () =>
          subscriptionArgs(admitted.state, connection, admitted.document, admitted.operation, payload),
        );
      },
      execute: execution.execute,
      subscribe: execution.subscribe,
    },
  });

  return {
    /** Open WebSocket connections. */
    connections: ws.connections,
    /** Open client subscriptions. */
    subscriptions: execution.streams,
    /** Upstream subscriptions (one per live query). */
    upstreams: hub.size,
    /** Closes every client with 1001 (they reconnect elsewhere or later); upstreams close as clients leave. */
    async stop() {
      await ws.stop();
      await options.upstreams.close();
    },
  };
}

export type SubscriptionServer = ReturnType<typeof startSubscriptionServer>;
