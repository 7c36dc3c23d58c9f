/** Composition root of the users subgraph: config + shared adapters -> running server. */
import { createLogger, readSchemaFile, startOutboxRelay, startSubgraph, type SharedAdapters, type SubgraphConfig } from '#kit';
import { createUserStore, createUsersDb } from './adapters/prisma-user-store.ts';
import { registerProfile } from './app/register-profile.ts';
import { createLoaders } from './graphql/context.ts';
import { createResolvers } from './graphql/resolvers.ts';

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
