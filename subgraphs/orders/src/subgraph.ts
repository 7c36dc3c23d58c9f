/**
 * Composition root of the orders subgraph: config + shared adapters -> running server, the saga it
 * orchestrates, and the bridge from `order.updated` on the bus to the live orders on pub/sub.
 */
import type { Env, SubgraphConfig, SubgraphIdentity } from '#kit/config';
import { openDatabase } from '#kit/database';
import { createLogger } from '#kit/logger';
import { startOutboxRelay } from '#kit/outbox';
import type { SharedAdapters } from '#kit/process';
import { readSchemaFile, startSubgraph } from '#kit/subgraph-server';
import { z } from 'zod';
import { createOrderStore, createOrdersDb } from './adapters/order-store.ts';
import { addressesChangedTopic, onAddressesChanged } from './app/address-book.ts';
import { answerTopics, onSagaAnswer, orderTopics } from './app/order-saga.ts';
import { startOrderWatchdog, type WatchdogOptions } from './app/order-watchdog.ts';
import { liveOrdersGroup, publishOrderUpdate } from './app/watch-order.ts';
import { createLoaders } from './graphql/context.ts';
import { createResolvers } from './graphql/resolvers.ts';

/** Its settings are `ORDERS_*`; it listens on 4004 unless `ORDERS_PORT` says otherwise. */
export const ordersSubgraph: SubgraphIdentity = { name: 'orders', defaultPort: 4004 };

export interface OrdersOptions {
  /** The watchdog that cancels orders stuck in the saga (see order-watchdog.ts). */
  watchdog?: WatchdogOptions;
}

/** Reads {@link OrdersOptions} from `ORDERS_STUCK_AFTER_MS` and `ORDERS_WATCHDOG_INTERVAL_MS`. */
export function ordersOptionsFromEnv(env: Env): OrdersOptions {
  const parsed = z
    .object({
      ORDERS_STUCK_AFTER_MS: z.coerce.number().int().min(1000).optional(),
      ORDERS_WATCHDOG_INTERVAL_MS: z.coerce.number().int().min(50).optional(),
    })
    .parse(env);
  return { watchdog: { stuckAfterMs: parsed.ORDERS_STUCK_AFTER_MS, intervalMs: parsed.ORDERS_WATCHDOG_INTERVAL_MS } };
}

/**
 * Starts the orders subgraph, its saga handlers (one per answer topic), its outbox relay, its
 * watchdog, its copy of the buyers' address books and its live-order bridge.
 */
export async function startOrdersSubgraph(config: SubgraphConfig, shared: SharedAdapters, options: OrdersOptions = {}) {
  const logger = createLogger('orders', config.logLevel);
  // One pool: Prisma serves the reads, the saga's writes and the relay run raw SQL on it (sqlClient).
  const { db, sql, close } = openDatabase(config.databaseUrl, config.databasePoolMax, createOrdersDb);
  const relay = startOutboxRelay({ db: sql, bus: shared.bus, logger });
  // Woken after every commit that wrote events, so the saga's next hop leaves at once.
  const orders = createOrderStore(db, { sql, onEventsWritten: relay.wake });
  const saga = { orders, logger };
  for (const topic of answerTopics) shared.bus.subscribe(topic, 'orders', (event) => onSagaAnswer(saga, event));
  shared.bus.subscribe(addressesChangedTopic, 'orders', (event) => onAddressesChanged(saga, event));
  // One replica takes each event (the group) and publishes it; pub/sub hands it to every replica's watchers.
  shared.bus.subscribe(orderTopics.updated, liveOrdersGroup, (event) => publishOrderUpdate(shared.pubsub, event), {
    from: 'now',
  });
  const watchdog = startOrderWatchdog(saga, options.watchdog);
  return startSubgraph({
    config,
    typeDefs: readSchemaFile(import.meta.url),
    resolvers: createResolvers({ orders, bus: shared.bus, pubsub: shared.pubsub, logger }),
    logger,
    extendContext: (base) => ({ ...base, loaders: createLoaders(orders) }),
    onStop: async () => {
      watchdog.stop();
      await relay.stop();
      await close();
    },
  });
}
