/** Composition root of the payments subgraph: config + shared adapters -> running server. */
import type { Env, SubgraphConfig, SubgraphIdentity } from '#kit/config';
import { openDatabase } from '#kit/database';
import type { DomainEvent, EventHandler } from '#kit/events';
import { createLogger } from '#kit/logger';
import { startOutboxRelay } from '#kit/outbox';
import type { SharedAdapters } from '#kit/process';
import { readSchemaFile, startSubgraph } from '#kit/subgraph-server';
import { z } from 'zod';
import { createPaymentsDb, createPaymentStore } from './adapters/payment-store.ts';
import { createSimulatedProvider } from './adapters/simulated-provider.ts';
import { onPaymentRequested, onRefundRequested, paymentTopics, type PaymentEventDeps } from './app/payment-events.ts';
import { defaultProviderPolicy, providerPolicyFromEnv, type ProviderPolicy } from './app/provider-policy.ts';
import { createLoaders } from './graphql/context.ts';
import { createResolvers } from './graphql/resolvers.ts';
import type { PaymentProvider } from './ports.ts';

/** Its settings are `PAYMENTS_*`; it listens on 4005 unless `PAYMENTS_PORT` says otherwise. */
export const paymentsSubgraph: SubgraphIdentity = { name: 'payments', defaultPort: 4005 };

export interface PaymentsOptions {
  /** The card processor; defaults to the simulated one (test tokens). */
  provider?: PaymentProvider;
  /** How the processor is called (timeout per call, attempts, backoff); defaults to {@link defaultProviderPolicy}. */
  providerPolicy?: ProviderPolicy;
}

/**
 * Reads {@link PaymentsOptions} from the environment: the provider policy (`PAYMENTS_PROVIDER_*`) and
 * `PAYMENTS_SIMULATOR_LEDGER`, the file where the simulated processor keeps its ledger so that it
 * outlives a payments process (a charge made before a crash can be refunded after it).
 */
export function paymentsOptionsFromEnv(env: Env): PaymentsOptions {
  const ledgerFile = z.object({ PAYMENTS_SIMULATOR_LEDGER: z.string().min(1).optional() }).parse(env).PAYMENTS_SIMULATOR_LEDGER;
  return { providerPolicy: providerPolicyFromEnv(env), provider: createSimulatedProvider({ ledgerFile }) };
}

/** Starts the payments subgraph and its part in the order saga (event handlers and outbox relay). */
export async function startPaymentsSubgraph(config: SubgraphConfig, shared: SharedAdapters, options: PaymentsOptions = {}) {
  const logger = createLogger('payments', config.logLevel);
  // One pool: Prisma serves the GraphQL reads, seeding and refunds; the charge path and the relay run
  // plain SQL on it (sqlClient), which costs a fraction of the client CPU per statement.
  const { db, sql, close } = openDatabase(config.databaseUrl, config.databasePoolMax, createPaymentsDb);
  const payments = createPaymentStore(db, { sql });
  const relay = startOutboxRelay({ db: sql, bus: shared.bus, logger });
  const saga: PaymentEventDeps = {
    payments,
    provider: options.provider ?? createSimulatedProvider(),
    policy: options.providerPolicy ?? defaultProviderPolicy,
    logger,
  };
  // The answer was committed with the handler's transaction: wake the relay so it leaves now, not at the next poll.
  const handle =
    (handler: (deps: PaymentEventDeps, event: DomainEvent) => Promise<void>): EventHandler =>
    async (event) => {
      try {
        await handler(saga, event);
      } finally {
        relay.wake();
      }
    };
  shared.bus.subscribe(paymentTopics.requested, 'payments', handle(onPaymentRequested));
  shared.bus.subscribe(paymentTopics.refundRequested, 'payments', handle(onRefundRequested));
  const stop = async () => {
    await relay.stop();
    await close();
  };
  try {
    return await startSubgraph({
      config,
      typeDefs: readSchemaFile(import.meta.url),
      resolvers: createResolvers(saga),
      logger,
      extendContext: (base) => ({ ...base, loaders: createLoaders(payments) }),
      onStop: stop,
    });
  } catch (error) {
    await stop();
    throw error;
  }
}
