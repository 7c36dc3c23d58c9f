/**
 * Test helpers. Tests talk to the machine's real PostgreSQL and Redis: a fresh database per test
 * file, dropped afterwards. `TEST_DATABASE_URL` points at the server (default: local trust auth).
 */
import { randomBytes } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { Redis } from 'ioredis';
import type { Role, Viewer } from './auth.js';
import type { SubgraphConfig } from './config.js';
import { dropDatabase, ensureDatabase, migrate, migrationsDir } from './database.js';
import { createErrorFormatter } from './error-formatter.js';
import { createLogger, setLogDestination } from './logger.js';
import { subgraphSchema, type SubgraphContext } from './subgraph-server.js';

export const testServerUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const testRedisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Deletes every Redis key under `namespace:` (a test's or a bench run's streams, groups and queues)
 * on the server at `url`. SCAN, not KEYS: a bench leaves many keys, and KEYS blocks the server.
 */
export async function dropRedisNamespace(namespace: string, url = testRedisUrl): Promise<void> {
  const redis = new Redis(url);
  try {
    const batches = redis.scanStream({ match: `${namespace}:*`, count: 1000 }) as AsyncIterable<string[]>;
    for await (const keys of batches) if (keys.length > 0) await redis.del(...keys);
  } finally {
    await redis.quit();
  }
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates `meridian_test_<subgraph>_<random>` on the test server and applies the subgraph's migrations. */
export async function createTestDatabase(subgraph: string): Promise<TestDatabase> {
  const url = new URL(testServerUrl);
  url.pathname = `/meridian_test_${subgraph}_${randomBytes(4).toString('hex')}`;
  const connectionString = url.toString();
  await ensureDatabase(connectionString);
  await migrate(connectionString, migrationsDir(subgraph));
  return { url: connectionString, drop: () => dropDatabase(connectionString) };
}

/** A subgraph's config for tests: any free port (and admin port, on loopback), quiet logs, the given database. */
export function testSubgraphConfig(name: string, databaseUrl: string, overrides: Partial<SubgraphConfig> = {}): SubgraphConfig {
  return {
    name,
    port: 0,
    host: '127.0.0.1',
    databaseUrl,
    databasePoolMax: 4,
    maxBodyBytes: 1_000_000,
    production: false,
    logLevel: 'silent',
    redisUrl: undefined,
    // Nothing listens there: tests that need tokens verified say where the JWKS is.
    tokens: { jwksUrl: 'http://127.0.0.1:9/.well-known/jwks.json', issuer: 'meridian-auth', audience: 'meridian' },
    admin: { port: 0, host: '127.0.0.1' },
    ...overrides,
  };
}

export interface GraphQLResult<T = Record<string, any>> {
  status: number;
  headers: Headers;
  body: { data?: T | null; errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[] };
}

/** POSTs a GraphQL operation to `<url>/graphql` (or to `url` when it already ends in /graphql). */
export async function postGraphQL<T = Record<string, any>>(
  url: string,
  query: string,
  options: { variables?: Record<string, unknown>; token?: string; headers?: Record<string, string> } = {},
): Promise<GraphQLResult<T>> {
  const response = await fetch(url.endsWith('/graphql') ? url : `${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables: options.variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResult<T>['body'] };
}

/**
 * A subgraph's schema, resolvers and error policy in an in-process Apollo Server, for resolver tests
 * that choose the viewer and count the SQL an operation costs. `run` executes one operation with a
 * fresh context from `contextFor(viewer)` (fresh loaders, as per request).
 */
export async function inProcessSubgraph<TContext extends SubgraphContext>(options: {
  typeDefs: string;
  resolvers: object;
  /** The per-request part of the context (loaders); the base (viewer, logger, ...) is filled in. */
  contextFor: (viewer: Viewer | null) => Omit<TContext, keyof SubgraphContext> & Partial<SubgraphContext>;
}) {
  const logger = createLogger('test', 'silent');
  const apollo = new ApolloServer<TContext>({
    schema: subgraphSchema(options.typeDefs, options.resolvers),
    formatError: createErrorFormatter({ exposeInternals: true }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  await apollo.start();
  return {
    async run<T = Record<string, any>>(viewer: Viewer | null, query: string, variables?: Record<string, unknown>) {
      const response = await apollo.executeOperation<T & Record<string, unknown>>(
        { query, variables },
        {
          contextValue: {
            viewer,
            correlationId: 'test',
            logger,
            clientAddress: '127.0.0.1',
            ...options.contextFor(viewer),
          } as TContext,
        },
      );
      if (response.body.kind !== 'single') throw new Error('expected a single result');
      return response.body.singleResult;
    },
    stop: () => apollo.stop(),
  };
}

/**
 * Records what every logger created from now on writes (start it before the services), one parsed
 * line each, until `stop()`; nothing reaches stdout meanwhile.
 */
export function recordLogs(): { lines: Record<string, unknown>[]; stop(): void } {
  const lines: Record<string, unknown>[] = [];
  setLogDestination({ write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { lines, stop: () => setLogDestination(undefined) };
}

/** A viewer for resolver tests (no token: in-process tests skip verification). */
export const testViewer = (id: string, roles: Role[] = ['CUSTOMER']): Viewer => ({
  id,
  roles,
  scopes: roles.map((r) => r.toLowerCase()),
  isAdmin: roles.includes('ADMIN'),
  token: 'test',
});

/**
 * Polls `check` every `intervalMs` until it holds; fails naming `what` after `timeoutMs`. (A check
 * that costs the server under test something, as a bench's /metrics scrape does, asks less often.)
 */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** What `createDocumentUpload` answers that a client needs to upload. */
export interface PresignedUploadAnswer {
  uploadUrl: string;
  uploadHeaders: { name: string; value: string }[];
}

/** Uploads `body` as a client does: `PUT` to the presigned `uploadUrl` with its `uploadHeaders`. */
export function putUpload(upload: PresignedUploadAnswer, body: Buffer): Promise<Response> {
  return fetch(upload.uploadUrl, {
    method: 'PUT',
    body,
    headers: upload.uploadHeaders.map((h): [string, string] => [h.name, h.value]),
  });
}
