/**
 * The Meridian router: Apollo Server over a composed supergraph file, behind the shared HTTP front
 * door. `@apollo/gateway` loads and hot-reloads the supergraph; Meridian's query engine
 * (execution/) plans with Apollo's query planner and executes the plans itself, `@defer` included.
 * It verifies the caller's JWT against the auth subgraph's JWKS, forwards the token, the correlation
 * id and the client's address to subgraphs, bounds the body and the document (document-limits.ts),
 * serves trusted documents by id and, in `enforce` mode, nothing else (trusted-documents.ts),
 * refuses operations whose estimated cost is over the limit (demand-control.ts), masks
 * internal errors in production, and reports nothing to Apollo's cloud. Browsers sign in through
 * its cookie session routes, `/auth/*` (browser-sessions.ts).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import {
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloGateway } from '@apollo/gateway';
import { clientAddressOf, trustedProxies } from '#kit/client-address';
import { DomainError } from '#kit/errors';
import { createErrorFormatter, errorLoggingPlugin, graphQLErrorOf } from '#kit/error-formatter';
import { createJwksVerifier, viewerOf, type TokenSettings, type TokenVerifier } from '#kit/auth';
import { createCorsPolicy, developmentCorsOrigins, type CorsSettings } from '#kit/cors';
import { startHttpServer, type RunningHttpServer } from '#kit/http-server';
import type { Logger } from '#kit/logger';
import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import type { ExecutionResult } from 'graphql';
import type { RouterContext } from './context.ts';
import { accessPoliciesOf, authorizingExecutor, type AccessPolicies } from './authorization.ts';
import { defaultDocumentLimits, documentLimits, type DocumentLimits } from './document-limits.ts';
import { createDemandControl, defaultDemandControl } from './demand-control.ts';
import { supergraphFromFile } from './supergraph-file.ts';
import { createRouterMetrics, type LiveFigures } from './metrics.ts';
import { createQueryEngine, sharingIdenticalQueries } from './execution/engine.ts';
import { formatPayload, multipartBody, multipartMediaType, type Delivery } from './execution/incremental.ts';
import { createSubgraphFetcher, identityOf } from './execution/subgraph-fetcher.ts';
import {
  createSubgraphBreakers,
  defaultBreakerFailures,
  defaultBreakerHalfOpenAfterMs,
  type BreakerState,
} from './execution/subgraph-breakers.ts';
import { createRateLimits, type RateLimitSettings } from './rate-limits.ts';
import { createSubscriptionPlanner, type SubscriptionPlanner } from './subscriptions/query-plan.ts';
import { startSubscriptionServer } from './subscriptions/server.ts';
import { createUpstreams } from './subscriptions/upstream.ts';
import { admitHttpRequest, startTrustedDocuments, type TrustedDocumentsSettings } from './trusted-documents.ts';
import { browserSessionRoutes } from './browser-sessions.ts';

export const defaultSubgraphTimeoutMs = 30_000;

export interface RouterOptions {
  supergraphPath: string;
  port: number;
  host?: string;
  production: boolean;
  /** Serve introspection even in production. */
  introspection?: boolean;
  /** Hostile-input limits on operation documents (HTTP and graphql-ws); unset ones keep their defaults. */
  limits?: Partial<DocumentLimits>;
  /**
   * Demand control: the highest estimated cost served, the size of lists no `@listSize` sizes, and
   * whether responses carry `extensions.cost: { estimated, actual }` (default false; the programs
   * turn it on in development).
   */
  cost?: { maxCost?: number; defaultListSize?: number; report?: boolean };
  maxBodyBytes: number;
  tokens: TokenSettings & { jwksUrl: string };
  /** Per-subgraph URL overrides (e.g. container host names), by subgraph name. */
  subgraphUrls?: Record<string, string>;
  logger: Logger;
  /** Supergraph file poll interval (ms). */
  pollIntervalMs?: number;
  onReload?: (hash: string) => void;
  /**
   * Load balancers in front of the router allowed to name the client in `x-forwarded-for`: addresses
   * and CIDR ranges (default: none).
   */
  trustedProxies?: string[];
  /** Replaces JWKS verification (tests, benchmarks of the bare gateway path). */
  verifyToken?: TokenVerifier;
  /** How long a subgraph may take to answer one fetch (default 30 s); then its fields are null with an error. */
  subgraphTimeoutMs?: number;
  /** Share identical in-flight subgraph fetches and client operations (default true; never across identities, never mutations). */
  dedup?: boolean;
  /**
   * Subgraph circuit breakers: `failures` transport failures in a row (default 5) open a subgraph's
   * breaker; `halfOpenAfterMs` later (default 5 s) one fetch probes it (execution/subgraph-breakers.ts).
   */
  breaker?: { failures?: number; halfOpenAfterMs?: number };
  /** WebSocket tuning: keep-alive ping interval and the bytes a slow client may have waiting. */
  websocket?: { keepAliveMs?: number; maxBufferedBytes?: number; maxSubscriptionsPerConnection?: number };
  /** Browser origins allowed to call (default: localhost on any port in development, none in production). */
  cors?: Partial<CorsSettings>;
  /** Where `/metrics` is served: its own port, loopback by default (default port 0: any free one). */
  admin?: { port: number; host?: string };
  /** Trusted documents (trusted-documents.ts): mode (default `off`) and manifest file. */
  trustedDocuments?: TrustedDocumentsSettings;
  /** Per-client rate limits and costly-mutation budgets (rate-limits.ts); unset: none. */
  rateLimits?: RateLimitSettings;
}

export interface RunningRouter {
  url: string;
  /** The admin listener (`/metrics`). */
  adminUrl: string;
  http: RunningHttpServer;
  /** Open graphql-ws connections, client subscriptions and upstream subscriptions. */
  live: LiveFigures;
  stop(): Promise<void>;
}

export async function startRouter(options: RouterOptions): Promise<RunningRouter> {
  const { logger, production } = options;
  const limits: DocumentLimits = { ...defaultDocumentLimits, ...options.limits };
  const verify = options.verifyToken ?? createJwksVerifier(options.tokens);
  // One formatter for HTTP and graphql-ws: internals masked in production.
  const formatError = createErrorFormatter({ exposeInternals: !production });
  const proxies = trustedProxies(options.trustedProxies ?? []);
  const introspection = options.introspection ?? !production;
  const metrics = createRouterMetrics();
  const trusted = startTrustedDocuments(options.trustedDocuments ?? { mode: 'off' }, logger);
  const breakers = createSubgraphBreakers({
    failures: options.breaker?.failures ?? defaultBreakerFailures,
    halfOpenAfterMs: options.breaker?.halfOpenAfterMs ?? defaultBreakerHalfOpenAfterMs,
    onStateChange(subgraph, state) {
      metrics.breakerStateChange(subgraph, state);
      logger.warn({ subgraph, state }, 'subgraph circuit breaker changed state');
    },
  });
  const rateLimits = options.rateLimits && createRateLimits(options.rateLimits, logger.child({ component: 'rate-limits' }));
  const demand = createDemandControl({
    maxCost: options.cost?.maxCost ?? defaultDemandControl.maxCost,
    defaultListSize: options.cost?.defaultListSize ?? defaultDemandControl.defaultListSize,
    reportCost: options.cost?.report ?? false,
    onEstimate: metrics.estimatedCost,
  });
  const urlOf = (name: string, url?: string) => options.subgraphUrls?.[name] ?? url ?? '';
  const fetcher = createSubgraphFetcher({
    urlOf: (name) => urlOf(name, engine.planner().subgraphUrls.get(name)),
    timeoutMs: options.subgraphTimeoutMs ?? defaultSubgraphTimeoutMs,
    dedup: options.dedup ?? true,
    onRequest: metrics.subgraphRequest,
    breakers,
  });
  const engine = createQueryEngine({ fetcher: fetcher.fetch, failure: fetcher.failure });
  // Identical queries in flight for the same caller (token and address) run once.
  const withDedup = (execute: GatewayExecutor) =>
    options.dedup === false
      ? execute
      : sharingIdenticalQueries(execute, ({ context }) => {
          const { authorization = '', clientAddress = '' } = identityOf(context);
          return `${authorization}\n${clientAddress}`;
        });

  const gateway = new ApolloGateway({
    supergraphSdl: supergraphFromFile({
      path: options.supergraphPath,
      logger,
      pollIntervalMs: options.pollIntervalMs,
      onReload: options.onReload,
      onSupergraph: (sdl) => (policies = accessPoliciesOf(sdl)),
    }),
    logger: logger.child({ component: 'gateway' }),
  });
  // Queries, mutations and subscriptions are planned by one federation query planner per supergraph
  // version, and executed by the same executor.
  let planner: SubscriptionPlanner | undefined;
  let supergraphHash: string | undefined;
  gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => {
    supergraphHash = createHash('sha256').update(coreSupergraphSdl).digest('hex');
    const operations = engine.useSupergraph(coreSupergraphSdl);
    demand.useSupergraph(operations.schema, coreSupergraphSdl);
    planner = createSubscriptionPlanner(operations, {
      fetch: fetcher.fetch,
      failure: fetcher.failure,
    });
  });

  // @authenticated / @requiresScopes, enforced before planning (see authorization.ts).
  let policies: AccessPolicies = { types: new Map(), fields: new Map() };
  const authorizingGateway: GatewayInterface = {
    async load(loadOptions) {
      await gateway.load(loadOptions);
      return {
        // The engine's API schema: the gateway's, plus the @defer directive it executes.
        schema: engine.schema(),
        executor: withDedup(
          authorizingExecutor(
            engine.execute,
            () => policies,
            (request) => (request.context as RouterContext).viewer,
          ),
        ),
      };
    },
    onSchemaLoadOrUpdate: (callback) =>
      gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) =>
        callback({ apiSchema: engine.useSupergraph(coreSupergraphSdl).schema, coreSupergraphSdl }),
      ),
    async stop() {
      await gateway.stop();
      await fetcher.close();
    },
  };

  const apollo = new ApolloServer<RouterContext>({
    gateway: authorizingGateway,
    introspection,
    // In enforce mode an APQ registration must not add to the trusted list: Apollo's APQ is off
    // (trusted-documents.ts resolves ids itself and strips the extension from what it serves).
    ...(trusted.mode === 'enforce' ? { persistedQueries: false as const } : {}),
    includeStacktraceInErrorResponses: !production,
    parseOptions: { maxTokens: limits.maxTokens },
    validationRules: [documentLimits(limits)],
    formatError,
    plugins: [
      errorLoggingPlugin(logger),
      ...(rateLimits ? [rateLimits.plugin] : []),
      demand.plugin,
      production
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
    ],
  });
  await apollo.start();
  let ready = true;

  // One context for GraphQL requests and the cookie session routes: the same viewer, address and limits.
  async function contextOf(req: IncomingMessage, correlationId: string): Promise<RouterContext> {
    try {
      return {
        viewer: await viewerOf(verify, req.headers.authorization),
        correlationId,
        clientAddress: clientAddressOf(req, proxies),
        delivery: {},
      };
    } catch (error) {
      if (error instanceof DomainError) throw graphQLErrorOf(error.code, error.message);
      throw error;
    }
  }
  // Fixed operations: trusted-documents enforcement (`admit`) is for what clients send, not for these.
  const sessionRoutes = browserSessionRoutes({ apollo, context: contextOf, production });

  const http = await startHttpServer<RouterContext>({
    apollo,
    logger,
    port: options.port,
    host: options.host,
    maxBodyBytes: options.maxBodyBytes,
    isReady: () => ready,
    cors: createCorsPolicy({
      ...options.cors,
      origins: options.cors?.origins ?? (production ? [] : developmentCorsOrigins),
      // The session cookie needs credentials; the rest of the API takes a bearer token and stays without.
      credentialPaths: Object.keys(sessionRoutes),
    }),
    admin: { port: options.admin?.port ?? 0, host: options.admin?.host, routes: { '/metrics': metrics.route } },
    routes: {
      // Readiness: a supergraph is loaded and the router is not stopping. An open breaker does not make
      // it unready: the other subgraphs' fields are still served, and taking every replica out of the
      // load balancer for one subgraph's outage would turn partial answers into none.
      '/ready': async () => {
        const subgraphs: Record<string, BreakerState> = {};
        if (supergraphHash) for (const name of engine.planner().subgraphUrls.keys()) subgraphs[name] = 'closed';
        Object.assign(subgraphs, breakers.states());
        const loaded = ready && supergraphHash !== undefined;
        return { status: loaded ? 200 : 503, body: { ready: loaded, supergraph: supergraphHash ?? null, subgraphs } };
      },
      ...sessionRoutes,
    },
    onResponse: metrics.observe,
    admit: (request) => admitHttpRequest(trusted, request),
    respond(response, context) {
      // An operation with @defer, from a client that takes multipart: the primary payload, then each deferred part.
      const payloads = context?.delivery?.payloads;
      if (!payloads || response.body.kind !== 'complete') return response;
      response.headers.set('content-type', multipartMediaType);
      return {
        ...response,
        body: { kind: 'chunked', asyncIterator: multipartBody(response.body.string, payloads, formatError) },
      };
    },
    context: contextOf,
  });
  const subscriptions = startSubscriptionServer({
    server: http.server,
    logger: logger.child({ component: 'subscriptions' }),
    formatError,
    verify,
    planner: () => planner!,
    policies: () => policies,
    upstreams: createUpstreams({ urlOf: (name) => urlOf(name, planner!.urlOf(name)), logger }),
    async executeOperation(payload, contextValue) {
      const delivery: Delivery = { incremental: true };
      const response = await apollo.executeOperation(
        { query: payload.query, variables: payload.variables ?? undefined, operationName: payload.operationName ?? undefined },
        { contextValue: { ...contextValue, delivery } },
      );
      const result = (
        response.body.kind === 'single' ? response.body.singleResult : response.body.initialResult
      ) as ExecutionResult;
      const payloads = delivery.payloads;
      if (!payloads) return result;
      // @defer over graphql-ws: the primary payload, then each deferred part, as successive `next` messages.
      return (async function* () {
        yield { ...result, hasNext: true };
        for await (const next of payloads) yield formatPayload(next, formatError);
      })();
    },
    limits,
    cost: demand.check,
    introspection,
    maxMessageBytes: options.maxBodyBytes,
    trustedProxies: options.trustedProxies ?? [],
    counters: metrics.counters,
    trustedDocuments: trusted,
    admit: rateLimits?.admit,
    ...options.websocket,
  });
  metrics.reportLive(subscriptions);
  logger.info({ url: `${http.url}/graphql`, metrics: `${http.adminUrl}/metrics` }, 'router listening (HTTP and graphql-ws)');

  return {
    url: http.url,
    adminUrl: http.adminUrl!,
    http,
    live: subscriptions,
    async stop() {
      ready = false;
      // Clients first (close 1001: they reconnect to another router), then upstreams, then HTTP.
      await subscriptions.stop();
      await http.stop();
      await apollo.stop();
      trusted.stop();
    },
  };
}
