/** Composition root of the orders subgraph: config + shared adapters -> running server and the saga it orchestrates. */
import {
  createLogger,
  openDatabase,
  readSchemaFile,
  startOutboxRelay,
  startSubgraph,
  type SharedAdapters,
  type SubgraphConfig,
} from '#kit';
import { createOrderStore, createOrdersDb } from './adapters/prisma-order-store.ts';
import { answerTopics, onSagaAnswer } from './app/order-saga.ts';
import { createLoaders } from './graphql/context.ts';
import { createResolvers } from './graphql/resolvers.ts';

/** Starts the orders subgraph, its saga handlers (one per answer topic) and its outbox relay. */
export async function startOrdersSubgraph(config: SubgraphConfig, shared: SharedAdapters) {
  const logger = createLogger('orders', config.logLevel);
  // One pool: Prisma serves the reads, the saga's writes and the relay run raw SQL on it (sqlClient).
  const { db, sql, close } = openDatabase(config.databaseUrl, config.databasePoolMax, createOrdersDb);
  const relay = startOutboxRelay({ db: sql, bus: shared.bus, logger });
  // Woken after every commit that wrote events, so the saga's next hop leaves at once.
  const orders = createOrderStore(db, { sql, onEventsWritten: relay.wake });
  const saga = { orders, logger };
  for (const topic of answerTopics) shared.bus.subscribe(topic, 'orders', (event) => onSagaAnswer(saga, event));
  return startSubgraph({
    config,
    typeDefs: readSchemaFile(import.meta.url),
    resolvers: createResolvers({ orders, bus: shared.bus }),
    logger,
    extendContext: (base) => ({ ...base, loaders: createLoaders(orders) }),
    onStop: async () => {
      await relay.stop();
      await close();
    },
  });
}
