/**
 * Transactional outbox relay. A service writes its change and an `outbox_events` row in one
 * transaction; the relay publishes unpublished rows to the bus and marks them, so an acknowledged
 * write's event is never lost (at-least-once: a crash between publish and mark republishes).
 * Every subgraph that emits events has the same `outbox_events` table (see its Prisma schema).
 */
import type { DomainEvent, EventBus } from './events.js';
import type { Logger } from './logger.js';

/** The slice of a generated Prisma client the relay needs. */
export interface RawSqlClient {
  $transaction<R>(fn: (tx: RawSqlTransaction) => Promise<R>): Promise<R>;
}
export interface RawSqlTransaction {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

export interface OutboxRelay {
  /** Publishes what is pending now (also runs every `intervalMs`). Resolves to the count published. */
  flush(): Promise<number>;
  stop(): Promise<void>;
}

interface OutboxRow {
  id: string;
  topic: string;
  payload: unknown;
  created_at: Date;
}

export function startOutboxRelay(options: {
  db: RawSqlClient;
  bus: EventBus;
  logger: Logger;
  intervalMs?: number;
  batchSize?: number;
}): OutboxRelay {
  const { db, bus, logger } = options;
  let running: Promise<number> | null = null;
  let stopped = false;

  async function publishBatch(): Promise<number> {
    return db.$transaction(async (tx) => {
      // SKIP LOCKED lets several relay replicas share the table without publishing a row twice.
      const rows = await tx.$queryRawUnsafe<OutboxRow[]>(
        `SELECT id::text AS id, topic, payload, created_at FROM outbox_events
          WHERE published_at IS NULL ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
        options.batchSize ?? 100,
      );
      for (const row of rows) {
        const event: DomainEvent = {
          id: row.id,
          topic: row.topic,
          payload: row.payload,
          occurredAt: row.created_at.toISOString(),
        };
        await bus.publish(event);
      }
      if (rows.length > 0) {
        await tx.$executeRawUnsafe(
          `UPDATE outbox_events SET published_at = now() WHERE id = ANY($1::uuid[])`,
          rows.map((r) => r.id),
        );
      }
      return rows.length;
    });
  }

  async function flush(): Promise<number> {
    if (running) return running;
    running = (async () => {
      let total = 0;
      for (let n = await publishBatch(); n > 0; n = await publishBatch()) total += n;
      return total;
    })().finally(() => {
      running = null;
    });
    return running;
  }

  const timer = setInterval(() => {
    if (stopped) return;
    flush().catch((error: unknown) => logger.warn({ err: error }, 'outbox relay pass failed; will retry'));
  }, options.intervalMs ?? 250);

  return {
    flush,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => 0);
    },
  };
}
