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
import { parse } from 'graphql';
import { createJwksVerifier, viewerOf, type TokenVerifier, type Viewer } from './auth.js';
import type { SubgraphConfig } from './config.js';
import { createErrorFormatter, DomainError, errorLoggingPlugin, graphQLErrorOf } from './errors.js';
import { clientAddressOf, startHttpServer, type Route, type RunningHttpServer } from './http-server.js';
import type { Logger } from './logger.js';

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
}

export interface RunningSubgraph {
  name: string;
  url: string;
  http: RunningHttpServer;
  stop(): Promise<void>;
}

/** Reads `schema.graphql` next to a subgraph's `src/` folder, given `import.meta.url` of a file in `src/`. */
export function readSchemaFile(srcFileUrl: string, depth = 1): string {
  return readFileSync(new URL(`${'../'.repeat(depth)}schema.graphql`, srcFileUrl), 'utf8');
}

/** Starts a subgraph server; resolves once it listens. */
export async function startSubgraph<TContext extends SubgraphContext>(
  options: SubgraphOptions<TContext>,
): Promise<RunningSubgraph> {
  const { logger, config } = options;
  const { production } = config;
  const verifyToken = options.verifyToken ?? createJwksVerifier(config.tokens);
  const apollo = new ApolloServer<TContext>({
    schema: buildSubgraphSchema({
      typeDefs: parse(options.typeDefs),
      resolvers: options.resolvers as GraphQLSchemaModule['resolvers'],
    }),
    introspection: !production,
    includeStacktraceInErrorResponses: !production,
    formatError: createErrorFormatter({
      exposeInternals: !production,
    }),
    plugins: [
      errorLoggingPlugin(logger),
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
        clientAddress: clientAddressOf(req, config.trustedProxies),
      });
    },
  });
  logger.info({ url: `${http.url}/graphql` }, `${config.name} subgraph listening`);

  return {
    name: config.name,
    url: `${http.url}/graphql`,
    http,
    async stop() {
      await http.stop();
      await apollo.stop();
      await options.onStop?.();
    },
  };
}
