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
 */
import type { Server } from 'node:http';
import {
  getOperationAST,
  getVariableValues,
  GraphQLError,
  specifiedRules,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type OperationDefinitionNode,
  type ValidationRule,
} from 'graphql';
import { CloseCode, type SubscribePayload } from 'graphql-ws';
import { createDocumentCache, parseOperation, type DocumentCache } from '#kit/document-cache';
import { DomainError, graphQLErrorOf } from '#kit/errors';
import { startGraphQLWs, type GraphQLWsOptions, type WsExtra } from '#kit/graphql-ws-server';
import { viewerOf, type TokenVerifier, type Viewer } from '#kit/auth';
import type { Logger } from '#kit/logger';
import { narrowOperation, remember, scopeKeyOf, type AccessPolicies, type DeniedField } from '../authorization.ts';
import { documentLimits, type DocumentLimits } from '../document-limits.ts';
import { estimatedCost, type DemandControl, type WithEstimate } from '../demand-control.ts';
import type { RouterContext } from '../context.ts';
import { refusalError, type Admission, type Refusal } from '../rate-limits.ts';
import { ClientStream } from './client-stream.ts';
import { createSubscriptionHub, type HubCounters, type LiveQuerySpec } from './hub.ts';
import type { SubscriptionPlan, SubscriptionPlanner } from './query-plan.ts';
import type { Upstreams } from './upstream.ts';
import { admitSubscribePayload, subscribeMessageReviver, type TrustedDocuments } from '../trusted-documents.ts';

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
  /** Runs a query or mutation sent over the socket (through Apollo Server). */
  /** Runs a query or mutation; an operation with `@defer` answers a stream of results (successive `next` messages). */
  executeOperation: (
    payload: SubscribePayload,
    context: RouterContext,
  ) => Promise<ExecutionResult | AsyncIterable<ExecutionResult | Record<string, unknown>>>;
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

/** One WebSocket connection's identity and open subscriptions. */
interface Connection {
  viewer: Viewer | null;
  streams: Set<ClientStream>;
  /**
   * Subscriptions held against the per-connection limit: counted when the subscribe frame is
   * handled, released when it is refused or its stream finishes (completed, failed, disconnected).
   */
  subscriptions: number;
  expiry?: NodeJS.Timeout;
  extra: WsExtra;
}

type OperationContext =
  | { kind: 'subscription'; connection: Connection; key: string; spec: LiveQuerySpec }
  | { kind: 'operation'; payload: SubscribePayload; context: RouterContext };

/** A subscription for one scope set: its narrowed plan and the fields denied, or the errors refusing it. */
type Decision = { plan: SubscriptionPlan; denied: DeniedField[] } | GraphQLError[];

/** Who a result is computed for: results are shared only within one scope. */
const scopeOf = (viewer: Viewer | null) =>
  viewer
    ? `user ${viewer.id} roles ${[...viewer.roles].sort().join(',')} scopes ${[...viewer.scopes].sort().join(',')}`
    : 'anonymous';

/** JSON with sorted keys, so `{a, b}` and `{b, a}` share a live query. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const expiredError = () =>
  new GraphQLError(
    'The access token has expired. Send a fresh one before it expires in a ping ({"type":"ping","payload":{"authorization":"Bearer <token>"}}), or reconnect with one.',
    { extensions: { code: 'UNAUTHENTICATED' } },
  );

/**
 * Refuses the introspection root fields, one error each, as Apollo Server does for HTTP with
 * introspection off (graphql-js's NoSchemaIntrospectionCustomRule would also name every field below them).
 */
const noIntrospection: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value !== '__schema' && node.name.value !== '__type') return;
    context.reportError(
      new GraphQLError(`Introspection is disabled on this server: the operation asks for "${node.name.value}"`, { nodes: node }),
    );
  },
});

const withCode = (code: string) => (error: GraphQLError) =>
  new GraphQLError(error.message, { nodes: error.nodes, extensions: { code, ...error.extensions } });

export function startSubscriptionServer(options: SubscriptionServerOptions) {
  const { logger, verify } = options;
  const maxPerConnection = options.maxSubscriptionsPerConnection ?? 100;
  const hub = createSubscriptionHub({ upstreams: options.upstreams, logger, counters: options.counters });
  const connections = new WeakMap<WsExtra, Connection>();
  let streams = 0;
  // As Apollo Server's for HTTP: graphql-js's rules, the document limits, no introspection unless allowed.
  const validationRules = [
    ...specifiedRules,
    documentLimits(options.limits),
    ...(options.introspection ? [] : [noIntrospection]),
  ];

  const reasonOf = (error: unknown) => `Unauthorized: ${error instanceof DomainError ? error.message : 'the token is not valid'}`;

  function scheduleExpiry(connection: Connection) {
    clearTimeout(connection.expiry);
    const expiresAt = connection.viewer?.expiresAt;
    if (expiresAt === undefined) return;
    const delay = Math.min(Math.max(expiresAt * 1000 - Date.now(), 0), 2 ** 31 - 1);
    connection.expiry = setTimeout(() => void expire(connection), delay);
  }

  /** The token ran out: every subscription ends with a clear error, then the socket closes with 4401. */
  async function expire(connection: Connection) {
    const open = [...connection.streams];
    for (const stream of open) {
      stream.deliver({ errors: [expiredError()] });
      stream.end();
    }
    await Promise.all(open.map((stream) => stream.drained()));
    await new Promise((resolve) => setImmediate(resolve)); // let graphql-ws send the results and `complete`s
    connection.extra.close(CloseCode.Unauthorized, 'Unauthorized: the access token has expired');
  }

  function contextOf(connection: Connection): RouterContext {
    const { correlationId, clientAddress } = connection.extra;
    return { viewer: connection.viewer, correlationId, clientAddress };
  }

  /** A client subscription is over (completed, ended, or its socket closed): leave its live query. */
  function finished(stream: ClientStream) {
    streams--;
    const connection = stream.owner as Connection;
    connection.subscriptions--;
    connection.streams.delete(stream);
    stream.live?.leave(stream);
  }

  /**
   * What the current supergraph and access policies decide once per operation text: its validated
   * document, and per operation name and scope set (as for HTTP, authorization.ts) the narrowed
   * plan and the fields denied — or the errors refusing it. Renewed with the supergraph.
   */
  interface Decisions {
    planner: SubscriptionPlanner;
    policies: AccessPolicies;
    documents: DocumentCache;
    plans: Map<string, Decision>;
  }
  let decided: Decisions | undefined;
  function decisions(): Decisions {
    const planner = options.planner();
    const policies = options.policies();
    if (decided?.planner !== planner || decided.policies !== policies) {
      const documents = createDocumentCache(planner.schema, validationRules);
      decided = { planner, policies, documents, plans: new Map() };
    }
    return decided;
  }

  /** Authorizes and plans a validated subscription for this caller's scopes; errors refuse it. */
  function planFor(
    state: Decisions,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    text: string,
    operationName: string | undefined,
    viewer: Viewer | null,
  ): Decision {
    const key = `${operationName ?? ''}\n${scopeKeyOf(viewer)}\n${text}`;
    return state.plans.get(key) ?? remember(state.plans, key, decide(state, document, operation, operationName, viewer));
  }

  /** Narrows the operation to what the caller may read and plans it; a denied root field refuses it. */
  function decide(
    { planner, policies }: Decisions,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    operationName: string | undefined,
    viewer: Viewer | null,
  ): Decision {
    const narrowed = narrowOperation(planner.schema, policies, document, operation, viewer);
    const deniedRoot = narrowed.denied.filter((field) => field.path.length === 1);
    if (deniedRoot.length > 0) {
      return deniedRoot.map(
        (field) =>
          new GraphQLError(field.code === 'UNAUTHENTICATED' ? 'Sign in to subscribe to this' : 'You may not subscribe to this', {
            path: field.path.map((step) => step.key),
            extensions: { code: field.code },
          }),
      );
    }
    try {
      return { plan: planner.plan(narrowed.document, operationName), denied: narrowed.denied };
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      return [error];
    }
  }

  /** Authorizes and plans a validated subscription; errors are answered as an `error` message. */
  function prepare(
    state: Decisions,
    connection: Connection,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    payload: SubscribePayload,
  ): GraphQLError[] | ExecutionArgs {
    const decision = planFor(state, document, operation, payload.query, payload.operationName ?? undefined, connection.viewer);
    if (Array.isArray(decision)) return decision;
    const { plan, denied } = decision;
    const invalidVariables = plan.validateVariables(payload.variables ?? undefined);
    if (invalidVariables.length > 0) return invalidVariables.map(withCode('BAD_USER_INPUT'));
    const variables = payload.variables ?? {};
    const spec: LiveQuerySpec = {
      plan,
      variables,
      denied,
      correlationId: connection.extra.correlationId,
      clientAddress: connection.extra.clientAddress,
    };
    // The plan stands for the (narrowed) operation: one per operation and scope's access decisions.
    const key = `${plan.id}\n${stableJson(variables)}\n${scopeOf(connection.viewer)}`;
    const context: OperationContext = { kind: 'subscription', connection, key, spec };
    // graphql-ws keeps these arguments while the subscription is open: the plan's shared document,
    // not this client's copy of it.
    return { schema: state.planner.schema, document: plan.document, operationName: payload.operationName, contextValue: context };
  }

  /**
   * A validated query or mutation, once its variables fit their types, goes to Apollo Server. Apollo
   * parses and validates the text again, but only the first time it sees it (it keeps validated
   * documents per schema, by the text's hash), as this server does: each text is validated twice
   * once, then no more.
   */
  function prepareOperation(
    state: Decisions,
    connection: Connection,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    payload: SubscribePayload,
    estimate: number | undefined,
  ): GraphQLError[] | ExecutionArgs {
    if (operation.variableDefinitions?.length) {
      const { errors } = getVariableValues(state.planner.schema, operation.variableDefinitions, payload.variables ?? {});
      if (errors) return errors.map(withCode('BAD_USER_INPUT'));
    }
    // Its rate-limit tokens were taken and its cost estimated in onSubscribe: Apollo Server's checks
    // take that rather than counting again.
    const context: OperationContext = {
      kind: 'operation',
      payload,
      context: Object.assign({ ...contextOf(connection), admitted: true }, { [estimatedCost]: estimate } satisfies WithEstimate),
    };
    return { schema: state.planner.schema, document, operationName: payload.operationName, contextValue: context };
  }

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
      async onConnect(ctx) {
        const { connectionParams, extra } = ctx;
        try {
          const viewer = await viewerOf(verify, connectionParams?.authorization);
          const connection: Connection = { viewer, streams: new Set(), subscriptions: 0, extra };
          connections.set(extra, connection);
          scheduleExpiry(connection);
          // Read once: graphql-ws would keep the raw token for the connection's life.
          delete (ctx as { connectionParams?: unknown }).connectionParams;
          return true;
        } catch (error) {
          extra.close(CloseCode.Unauthorized, reasonOf(error));
          return false;
        }
      },
      async onPing({ extra }, payload) {
        const connection = connections.get(extra);
        if (!connection || !payload || !('authorization' in payload)) return;
        let viewer: Viewer | null;
        try {
          viewer = await viewerOf(verify, payload.authorization);
        } catch (error) {
          return extra.close(CloseCode.Unauthorized, reasonOf(error));
        }
        if (!viewer) return;
        if (scopeOf(viewer) !== scopeOf(connection.viewer)) {
          return extra.close(CloseCode.Forbidden, 'Forbidden: a refreshed token must be for the same user and scopes; reconnect');
        }
        connection.viewer = viewer;
        scheduleExpiry(connection);
      },
      onClose({ extra }) {
        const connection = connections.get(extra);
        if (connection) clearTimeout(connection.expiry);
      },
      async onSubscribe({ extra }, _id, payload) {
        const connection = connections.get(extra)!;
        if (options.trustedDocuments) {
          const refusal = admitSubscribePayload(options.trustedDocuments, payload);
          if (refusal) return [new GraphQLError(refusal.message, { extensions: { code: refusal.code } })];
        }
        const state = decisions();
        // An operation text validated before is found by its text; anything else is parsed and validated.
        const known = state.documents.get(payload.query);
        const document = known ?? parseOperation(payload.query, { maxTokens: options.limits.maxTokens });
        if (Array.isArray(document)) return document;
        // Resolved per request: one text may hold several operations, and a client may name none of them.
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) {
          return [graphQLErrorOf('BAD_USER_INPUT', 'Send exactly one operation, or name the one to run in operationName')];
        }
        if (!known) {
          const invalid = state.documents.check(payload.query, document);
          if (Array.isArray(invalid)) return invalid;
        }
        const verdict = options.cost?.(document, operation, payload.variables ?? undefined);
        if (verdict?.error) return [verdict.error];
        if (options.admit) {
          const { viewer, extra } = connection;
          const admission = {
            context: { viewer, clientAddress: extra.clientAddress },
            document,
            operation,
            variables: payload.variables ?? undefined,
          };
          const refusal = await options.admit(admission);
          if (refusal) return [refusalError(refusal, false)];
        }
        if (operation.operation !== 'subscription') {
          return prepareOperation(state, connection, document, operation, payload, verdict?.estimated);
        }
        if (connection.subscriptions >= maxPerConnection) {
          return [graphQLErrorOf('RATE_LIMITED', `At most ${maxPerConnection} subscriptions may be open on one connection`)];
        }
        // Counted in the same turn as the check: graphql-ws handles the frames of a burst in between
        // each other's awaits, and the stream that will hold the slot only exists after some of them.
        connection.subscriptions++;
        let prepared: ReturnType<typeof prepare>;
        try {
          prepared = prepare(state, connection, document, operation, payload);
        } catch (error) {
          connection.subscriptions--;
          throw error;
        }
        if (Array.isArray(prepared)) connection.subscriptions--; // refused: the slot is free again
        return prepared;
      },
      async execute(args: ExecutionArgs) {
        const context = args.contextValue as OperationContext;
        if (context.kind !== 'operation') throw new Error('a subscription reached execute');
        return options.executeOperation(context.payload, context.context);
      },
      async subscribe(args: ExecutionArgs) {
        const { connection, key, spec } = args.contextValue as Extract<OperationContext, { kind: 'subscription' }>;
        const stream = new ClientStream(connection, finished);
        streams++;
        connection.streams.add(stream);
        try {
          stream.live = hub.join(key, spec, stream);
        } catch (error) {
          finished(stream); // its slot and count go back
          throw error;
        }
        return stream;
      },
    },
  });

  return {
    /** Open WebSocket connections. */
    connections: ws.connections,
    /** Open client subscriptions. */
    subscriptions: () => streams,
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
