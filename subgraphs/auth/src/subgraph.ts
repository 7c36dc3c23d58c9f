/** Composition root of the auth subgraph. */
import {
  createInProcessRateLimiter,
  createLogger,
  createVerifier,
  readSchemaFile,
  startOutboxRelay,
  startSubgraph,
  type SharedAdapters,
  type SubgraphConfig,
} from '#kit';
import { createAccountStore, createAuthDb } from './adapters/prisma-account-store.ts';
import { createKeyRing } from './adapters/key-ring.ts';
import { createPasswordHasher } from './adapters/password-hasher.ts';
import { createLoaders } from './graphql/context.ts';
import { createResolvers } from './graphql/resolvers.ts';

export interface AuthOptions {
  /** Lifetime of the access tokens issued (default 15 minutes). */
  accessTokenTtlSeconds?: number;
}

export async function startAuthSubgraph(config: SubgraphConfig, shared: SharedAdapters, options: AuthOptions = {}) {
  const logger = createLogger('auth', config.logLevel);
  const db = createAuthDb(config.databaseUrl, config.databasePoolMax);
  const accounts = createAccountStore(db);
  const keys = await createKeyRing(db, config.tokens);
  const relay = startOutboxRelay({ db, bus: shared.bus, logger });
  const running = await startSubgraph({
    config,
    typeDefs: readSchemaFile(import.meta.url),
    resolvers: createResolvers({
      accounts,
      keys,
      limiter: shared.rateLimiter ?? createInProcessRateLimiter(),
      passwords: createPasswordHasher(),
      accessTokenTtlSeconds: options.accessTokenTtlSeconds,
    }),
    // The auth subgraph checks tokens against its own key ring rather than over HTTP.
    verifyToken: createVerifier(keys.getKey, config.tokens),
    logger,
    extendContext: (base) => ({ ...base, loaders: createLoaders(accounts) }),
    routes: {
      '/.well-known/jwks.json': async () => ({
        status: 200,
        body: await keys.jwks(),
        headers: { 'cache-control': 'public, max-age=60' },
      }),
    },
    onStop: async () => {
      await relay.stop();
      await db.$disconnect();
    },
  });
  return Object.assign(running, { keys, accounts });
}
