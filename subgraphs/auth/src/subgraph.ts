/** Composition root of the auth subgraph. */
import { createVerifier } from '#kit/auth';
import type { SubgraphConfig, SubgraphIdentity } from '#kit/config';
import { createLogger } from '#kit/logger';
import { startOutboxRelay } from '#kit/outbox';
import type { SharedAdapters } from '#kit/process';
import { createInProcessRateLimiter } from '#kit/rate-limiter';
import { readSchemaFile, startSubgraph } from '#kit/subgraph-server';
import { createAccountStore, createAuthDb } from './adapters/prisma-account-store.ts';
import { createKeyRing } from './adapters/key-ring.ts';
import { createPasswordHasher } from './adapters/password-hasher.ts';
import { createLoaders } from './graphql/context.ts';
import { createResolvers } from './graphql/resolvers.ts';

/** Its settings are `AUTH_*`; it listens on 4002 unless `AUTH_PORT` says otherwise. */
export const authSubgraph: SubgraphIdentity = { name: 'auth', defaultPort: 4002 };

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
