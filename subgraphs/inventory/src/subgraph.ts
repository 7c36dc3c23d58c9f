/** Composition root of the inventory subgraph: config + shared adapters -> running server. */
import type { Env, SubgraphConfig, SubgraphIdentity } from '#kit/config';
import { openDatabase } from '#kit/database';
import type { DomainEvent } from '#kit/events';
import { createLogger } from '#kit/logger';
import { startOutboxRelay } from '#kit/outbox';
import type { SharedAdapters } from '#kit/process';
import { readSchemaFile, startSubgraph } from '#kit/subgraph-server';
import { z } from 'zod';
import { createInventoryDb, createInventoryStore } from './adapters/prisma-inventory-store.ts';
import { createReservationStore } from './adapters/reservation-store.ts';
import { onOrderCancelled, onOrderPaid, onOrderPlaced, startReservationSweeper } from './app/order-events.ts';
import { createLoaders } from './graphql/context.ts';
import { createResolvers } from './graphql/resolvers.ts';

/** Its settings are `INVENTORY_*`; it listens on 4003 unless `INVENTORY_PORT` says otherwise. */
export const inventorySubgraph: SubgraphIdentity = { name: 'inventory', defaultPort: 4003 };

export interface InventoryOptions {
  /** How long stock stays held for an unpaid order; default 15 minutes. */
  reservationTtlMs?: number;
  /** How often expired reservations are looked for; default 5 s. */
  sweepIntervalMs?: number;
}

/** Reads {@link InventoryOptions} from `INVENTORY_RESERVATION_TTL_MS` and `INVENTORY_SWEEP_INTERVAL_MS`. */
export function inventoryOptionsFromEnv(env: Env): InventoryOptions {
  const parsed = z
    .object({
      INVENTORY_RESERVATION_TTL_MS: z.coerce.number().int().min(1000).optional(),
      INVENTORY_SWEEP_INTERVAL_MS: z.coerce.number().int().min(50).optional(),
    })
    .parse(env);
  return { reservationTtlMs: parsed.INVENTORY_RESERVATION_TTL_MS, sweepIntervalMs: parsed.INVENTORY_SWEEP_INTERVAL_MS };
}

/** Starts the inventory subgraph and its part in the order saga (event handlers, outbox relay, expiry sweeper). */
export async function startInventorySubgraph(config: SubgraphConfig, shared: SharedAdapters, options: InventoryOptions = {}) {
  const logger = createLogger('inventory', config.logLevel);
  // One pool: Prisma serves the catalogue, the saga's statements and the relay run raw SQL on it (sqlClient).
  const { db, sql, close } = openDatabase(config.databaseUrl, config.databasePoolMax, createInventoryDb);
  const products = createInventoryStore(db);
  const reservations = createReservationStore(db, sql);
  const relay = startOutboxRelay({ db: sql, bus: shared.bus, logger });
  const saga = { reservations, logger, reservationTtlMs: options.reservationTtlMs };
  // Each handler's answer is in the outbox once it resolves: wake the relay so it leaves at once.
  const handle = (handler: typeof onOrderPlaced) => (event: DomainEvent) => handler(saga, event).then(relay.wake);
  shared.bus.subscribe('order.placed', 'inventory', handle(onOrderPlaced));
  shared.bus.subscribe('order.paid', 'inventory', handle(onOrderPaid));
  shared.bus.subscribe('order.cancelled', 'inventory', handle(onOrderCancelled));
  const sweeper = startReservationSweeper({ ...saga, onExpired: relay.wake }, options.sweepIntervalMs);
  return startSubgraph({
    config,
    typeDefs: readSchemaFile(import.meta.url),
    resolvers: createResolvers({ products, reservations }),
    logger,
    extendContext: (base) => ({ ...base, loaders: createLoaders(products) }),
    onStop: async () => {
      sweeper.stop();
      await relay.stop();
      await close();
    },
  });
}
