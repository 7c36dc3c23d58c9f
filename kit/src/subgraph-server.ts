/**
 * Bootstraps one subgraph: `@apollo/subgraph` schema, Apollo Server with the shared error policy,
 * served by the shared HTTP front door. Each request's viewer comes from the bearer token, verified
 * here — never from a header the subgraph cannot check.
 */
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchemaModule } from '@apollo/subgraph/dist/schema-helper/index.js';
import { createSourceEventStream, execute, parse, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import { CloseCode, type SubscribePayload } from 'graphql-ws';
import { createJwksVerifier, viewerOf, type TokenVerifier, type Viewer } from './auth.js';
import type { SubgraphConfig } from './config.js';
import { createDocumentCache } from './document-cache.js';
import { DomainError } from './errors.js';
import { createErrorFormatter, errorLoggingPlugin, graphQLErrorOf } from './error-formatter.js';
import { mapAsyncIterable, startGraphQLWs, type GraphQLWsServer, type WsExtra } from './graphql-ws-server.js';
import { clientAddressOf, loopbackProxies, trustedProxies } from './client-address.js';
import { correlationIdOf, startHttpServer, type Route, type RunningHttpServer } from './http-server.js';
import { refuseMalformedIds } from './malformed-ids.js';
import type { Logger } from './logger.js';
import { createSubgraphMetrics, type SubgraphGauge } from './metrics.js';

/** What every subgraph resolver gets in its context. */
export interface SubgraphContext {
  viewer: Viewer | null;
  correlationId: string;
  logger: Logger;
  /** The end client's address (from the router's `x-forwarded-for` when the peer is trusted). */
  clientAddress: string;
}

export interface SubgraphOptions<TContext extends SubgraphContext> {
  /** Name, port, host, production flag, body limit and token settings. */
  config: SubgraphConfig;
  /** The subgraph's SDL (its `schema.graphql`). */
  typeDefs: string;
  /** Resolvers typed by the subgraph's generated `Resolvers` type. */
  resolvers: object;
  /** Defaults to verifying against the JWKS of `config.tokens`. */
  verifyToken?: TokenVerifier;
  logger: Logger;
  /** Adds the per-request parts (DataLoaders) to the base context. */
  extendContext: (base: SubgraphContext) => TContext;
  routes?: Record<string, Route>;
  /** Closed after the HTTP server stops (Prisma client, bus, relays). */
  onStop?: () => Promise<void>;
  /** Figures of the subgraph's own for `/metrics` (e.g. its outbox backlog), read at each scrape. */
  gauges?: SubgraphGauge[];
}

export interface RunningSubgraph {
  name: string;
  url: string;
  /** The admin listener's base URL (`/metrics`). */
  adminUrl: string;
  http: RunningHttpServer;
  stop(): Promise<void>;
}

/** Reads `schema.graphql` next to a subgraph's `src/` folder, given `import.meta.url` of a file in `src/`. */
export function readSchemaFile(srcFileUrl: string, depth = 1): string {
  return readFileSync(new URL(`${'../'.repeat(depth)}schema.graphql`, srcFileUrl), 'utf8');
}

/** A subgraph's executable schema: its SDL and resolvers, refusing malformed ids before any resolver (see ids.ts). */
export function subgraphSchema(typeDefs: string, resolvers: object): GraphQLSchema {
  return refuseMalformedIds(
    buildSubgraphSchema({ typeDefs: parse(typeDefs), resolvers: resolvers as GraphQLSchemaModule['resolvers'] }),
  );
}

/** Starts a subgraph server; resolves once it listens. */
export async function startSubgraph<TContext extends SubgraphContext>(
  options: SubgraphOptions<TContext>,
): Promise<RunningSubgraph> {
  const { logger, config } = options;
  const { production } = config;
  const verifyToken = options.verifyToken ?? createJwksVerifier(config.tokens);
  const schema = subgraphSchema(options.typeDefs, options.resolvers);
  const formatError = createErrorFormatter({ exposeInternals: !production });
  const proxies = config.trustedProxies ? trustedProxies(config.trustedProxies) : loopbackProxies;
  const metrics = createSubgraphMetrics(config.name, options.gauges);
  const apollo = new ApolloServer<TContext>({
    schema,
    introspection: !production,
    includeStacktraceInErrorResponses: !production,
    formatError,
    plugins: [
      errorLoggingPlugin(logger),
      metrics.plugin,
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
    ],
  });
  await apollo.start();

  const http = await startHttpServer<TContext>({
    apollo,
    logger,
    port: config.port,
    host: config.host,
    maxBodyBytes: config.maxBodyBytes,
    routes: options.routes,
    onResponse: metrics.observe,
    admin: { ...config.admin, routes: { '/metrics': metrics.route } },
    health: (): Record<string, number> => ({ connections: live?.server.connections() ?? 0, subscriptions: live?.open() ?? 0 }),
    async context(req, correlationId) {
      let viewer: Viewer | null;
      try {
        viewer = await viewerOf(verifyToken, req.headers.authorization);
      } catch (error) {
        if (error instanceof DomainError) throw graphQLErrorOf(error.code, error.message);
        throw error;
      }
      return options.extendContext({
        viewer,
        correlationId,
        logger: logger.child({ correlationId }),
        clientAddress: clientAddressOf(req, proxies),
      });
    },
  });
  const live: { server: GraphQLWsServer; open(): number } | undefined = schema.getSubscriptionType()
    ? serveSubscriptions({ ...options, schema, verifyToken, formatError, server: http.server })
    : undefined;
  if (live) metrics.reportLive({ connections: () => live.server.connections(), subscriptions: live.open });
  logger.info({ url: `${http.url}/graphql`, metrics: `${http.adminUrl}/metrics` }, `${config.name} subgraph listening`);

  return {
    name: config.name,
    url: `${http.url}/graphql`,
    adminUrl: http.adminUrl!,
    http,
    async stop() {
      await live?.server.stop();
      await http.stop();
      await apollo.stop();
      await options.onStop?.();
    },
  };
}

/**
 * The subgraph's subscriptions over graphql-ws, on its HTTP port. The caller's identity is the bearer
 * token of the operation (`extensions.authorization`, how the router forwards each client's token
 * over its one connection) or else of the connection (`connection_init` payload `authorization`),
 * verified here like an HTTP request's. Each event is executed with a fresh context (fresh
 * DataLoaders): what one event loaded is never served, stale, to the next.
 */
function serveSubscriptions<TContext extends SubgraphContext>(
  options: SubgraphOptions<TContext> & {
    schema: GraphQLSchema;
    verifyToken: TokenVerifier;
    formatError: ReturnType<typeof createErrorFormatter>;
    server: RunningHttpServer['server'];
  },
): { server: GraphQLWsServer; open(): number } {
  const { schema, verifyToken, config, logger } = options;
  const connectionViewers = new WeakMap<WsExtra, Viewer | null>();
  const bases = new WeakMap<object, SubgraphContext>();
  const documents = createDocumentCache(schema);
  let open = 0;

  const contextOf = (args: ExecutionArgs) => options.extendContext(bases.get(args.contextValue as object)!);

  const server = startGraphQLWs({
    server: options.server,
    logger,
    formatError: options.formatError,
    maxMessageBytes: config.maxBodyBytes,
    trustedProxies: config.trustedProxies,
    graphqlWs: {
      async onConnect({ connectionParams, extra }) {
        try {
          connectionViewers.set(extra, await viewerOf(verifyToken, connectionParams?.authorization));
          return true;
        } catch (error) {
          extra.close(CloseCode.Unauthorized, error instanceof DomainError ? error.message : 'Unauthorized');
          return false;
        }
      },
      async onSubscribe({ extra }, _id, payload: SubscribePayload) {
        const document = documents.get(payload.query) ?? documents.check(payload.query);
        if (Array.isArray(document)) return document;
        let viewer = connectionViewers.get(extra) ?? null;
        try {
          const authorization = payload.extensions?.authorization;
          if (authorization !== undefined) viewer = await viewerOf(verifyToken, authorization);
        } catch (error) {
          if (error instanceof DomainError) return [graphQLErrorOf(error.code, error.message)];
          throw error;
        }
        const correlationId = correlationIdOf(payload.extensions?.correlationId ?? extra.correlationId);
        const handle = {};
        bases.set(handle, {
          viewer,
          correlationId,
          logger: logger.child({ correlationId }),
          clientAddress: extra.clientAddress,
        });
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: handle,
        };
      },
      execute: (args: ExecutionArgs) => execute({ ...args, contextValue: contextOf(args) }),
      async subscribe(args: ExecutionArgs) {
        const stream = await createSourceEventStream({ ...args, contextValue: contextOf(args) });
        if (!(Symbol.asyncIterator in stream)) return stream;
        open++;
        return mapAsyncIterable(
          stream,
          (event) => execute({ ...args, rootValue: event, contextValue: contextOf(args) }),
          () => open--,
        );
      },
    },
  });
  return { server, open: () => open };
}
