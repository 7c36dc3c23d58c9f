/** Composition root of the inventory subgraph: config + shared adapters -> running server. */
import { createLogger, readSchemaFile, startOutboxRelay, startSubgraph, type SharedAdapters, type SubgraphConfig } from '#kit';
import { createInventoryDb, createInventoryStore } from './adapters/prisma-inventory-store.ts';
import { createReservationStore } from './adapters/prisma-reservation-store.ts';
import { onOrderCancelled, onOrderConfirmed, onOrderPlaced, startReservationSweeper } from './app/order-events.ts';
import { createLoaders } from './graphql/context.ts';
import { createResolvers } from './graphql/resolvers.ts';

/** Starts the inventory subgraph and its part in the order saga (event handlers, outbox relay, expiry sweeper). */
export async function startInventorySubgraph(config: SubgraphConfig, shared: SharedAdapters) {
  const logger = createLogger('inventory', config.logLevel);
  const db = createInventoryDb(config.databaseUrl, config.databasePoolMax);
  const products = createInventoryStore(db);
  const reservations = createReservationStore(db);
  const saga = { reservations, logger };
  shared.bus.subscribe('order.placed', 'inventory', (event) => onOrderPlaced(saga, event));
  shared.bus.subscribe('order.confirmed', 'inventory', (event) => onOrderConfirmed(saga, event));
  shared.bus.subscribe('order.cancelled', 'inventory', (event) => onOrderCancelled(saga, event));
  const relay = startOutboxRelay({ db, bus: shared.bus, logger });
  const sweeper = startReservationSweeper(saga);
  return startSubgraph({
    config,
    typeDefs: readSchemaFile(import.meta.url),
    resolvers: createResolvers({ products, reservations }),
    logger,
    extendContext: (base) => ({ ...base, loaders: createLoaders(products) }),
    onStop: async () => {
      sweeper.stop();
      await relay.stop();
      await db.$disconnect();
    },
  });
}
