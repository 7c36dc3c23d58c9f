/**
 * Composition root of the orders subgraph: config + shared adapters -> running server, the saga it
 * orchestrates, and the bridge from `order.updated` on the bus to the live orders on pub/sub.
 */
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
import { answerTopics, onSagaAnswer, orderTopics } from './app/order-saga.ts';
import { liveOrdersGroup, publishOrderUpdate } from './app/watch-order.ts';
import { createLoaders } from './graphql/context.ts';
import { createResolvers } from './graphql/resolvers.ts';

/** Starts the orders subgraph, its saga handlers (one per answer topic), its outbox relay and its live-order bridge. */
export async function startOrdersSubgraph(config: SubgraphConfig, shared: SharedAdapters) {
  const logger = createLogger('orders', config.logLevel);
  // One pool: Prisma serves the reads, the saga's writes and the relay run raw SQL on it (sqlClient).
  const { db, sql, close } = openDatabase(config.databaseUrl, config.databasePoolMax, createOrdersDb);
  const relay = startOutboxRelay({ db: sql, bus: shared.bus, logger });
  // Woken after every commit that wrote events, so the saga's next hop leaves at once.
  const orders = createOrderStore(db, { sql, onEventsWritten: relay.wake });
  const saga = { orders, logger };
  for (const topic of answerTopics) shared.bus.subscribe(topic, 'orders', (event) => onSagaAnswer(saga, event));
  // One replica takes each event (the group) and publishes it; pub/sub hands it to every replica's watchers.
  shared.bus.subscribe(orderTopics.updated, liveOrdersGroup, (event) => publishOrderUpdate(shared.pubsub, event), {
    from: 'now',
  });
  return startSubgraph({
    config,
    typeDefs: readSchemaFile(import.meta.url),
    resolvers: createResolvers({ orders, bus: shared.bus, pubsub: shared.pubsub }),
    logger,
    extendContext: (base) => ({ ...base, loaders: createLoaders(orders) }),
    onStop: async () => {
      await relay.stop();
      await close();
    },
  });
}
