/** Composition root of the users subgraph: config + shared adapters -> running server. */
import type { SubgraphConfig, SubgraphIdentity } from '#kit/config';
import { createLogger } from '#kit/logger';
import { startOutboxRelay } from '#kit/outbox';
import type { SharedAdapters } from '#kit/process';
import { readSchemaFile, startSubgraph } from '#kit/subgraph-server';
import { createUserStore, createUsersDb } from './adapters/prisma-user-store.ts';
import { registerProfile } from './app/register-profile.ts';
import { createLoaders } from './graphql/context.ts';
import { createResolvers } from './graphql/resolvers.ts';

/** Its settings are `USERS_*`; it listens on 4001 unless `USERS_PORT` says otherwise. */
export const usersSubgraph: SubgraphIdentity = { name: 'users', defaultPort: 4001 };

export async function startUsersSubgraph(config: SubgraphConfig, deps: SharedAdapters) {
  const logger = createLogger('users', config.logLevel);
  const db = createUsersDb(config.databaseUrl, config.databasePoolMax);
  // Address-book changes leave through the outbox (orders keeps a copy to check shipping addresses).
  const relay = startOutboxRelay({ db, bus: deps.bus, logger });
  const users = createUserStore(db, { onEventsWritten: relay.wake });
  deps.bus.subscribe('user.registered', 'users', (event) => registerProfile({ users, logger }, event));
  return startSubgraph({
    config,
    typeDefs: readSchemaFile(import.meta.url),
    resolvers: createResolvers({ users }),
    logger,
    extendContext: (base) => ({ ...base, loaders: createLoaders(users) }),
    onStop: async () => {
      await relay.stop();
      await db.$disconnect();
    },
  });
}
