/**
 * Transactional outbox relay. A service writes its change and an `outbox_events` row in one
 * transaction; the relay publishes unpublished rows to the bus and marks them, so an acknowledged
 * write's event is never lost (at-least-once: a crash between publish and mark republishes).
 * Every subgraph that emits events has the same `outbox_events` table (see its Prisma schema).
 */
import { randomUUID } from 'node:crypto';
import type { SqlRunner } from './database.js';
import type { DomainEvent, EventBus } from './events.js';
import type { Logger } from './logger.js';

/** An event as a use case writes it: the relay stamps `occurredAt` from the row's creation time. */
export type OutboxEvent<T = unknown> = Omit<DomainEvent<T>, 'occurredAt'>;

/** A new outbox event with a fresh id. */
export const outboxEvent = <T>(topic: string, payload: T): OutboxEvent<T> => ({ id: randomUUID(), topic, payload });

/** What the relay needs of a database: transactions of raw SQL (the kit's `sqlClient` or a generated Prisma client). */
export interface RawSqlClient {
  $transaction<R>(fn: (tx: RawSqlTransaction) => Promise<R>): Promise<R>;
}
export type RawSqlTransaction = SqlRunner;

/**
 * `events` as the three parameters of `unnest($n::uuid[], $n+1::text[], $n+2::jsonb[])` — ids, topics,
 * payloads — for a statement that inserts them into `outbox_events` along with the change they announce.
 */
export const outboxParams = (events: readonly OutboxEvent[]): [string[], string[], string[]] => [
  events.map((e) => e.id),
  events.map((e) => e.topic),
  events.map((e) => JSON.stringify(e.payload)),
];

/** Writes events into `outbox_events` inside the caller's transaction (one statement for any number). */
export async function writeOutbox(tx: RawSqlTransaction, events: readonly OutboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  await tx.$executeRawUnsafe(
    `INSERT INTO outbox_events (id, topic, payload)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::jsonb[])`,
    ...outboxParams(events),
  );
}

/**
 * Records, inside the caller's transaction, that `event` was handled; false when it already was —
 * the handler then skips its effect. With the effect in the same transaction, a redelivered event
 * (the consumer died before acknowledging) is applied exactly once.
 */
export async function markProcessed(tx: RawSqlTransaction, event: Pick<DomainEvent, 'id' | 'topic'>): Promise<boolean> {
  const inserted = await tx.$executeRawUnsafe(
    `INSERT INTO processed_events (id, topic) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`,
    event.id,
    event.topic,
  );
  return inserted === 1;
}

export interface OutboxRelay {
  /** Publishes what is pending now (also runs every `intervalMs`). Resolves to the count published. */
  flush(): Promise<number>;
  /**
   * Asks for a flush as soon as possible, without waiting: call it after committing a transaction
   * that wrote outbox rows, so the event leaves now rather than at the next poll. Calls during a
   * flush schedule one more pass after it.
   */
  wake(): void;
  /**
   * Deletes outbox rows published, and processed-event records made, longer ago than the retention
   * (also runs hourly). Resolves to the count of outbox rows deleted.
   */
  prune(): Promise<number>;
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
  /** How long a wake waits for more commits to carry in the same pass. Default 5 ms. */
  coalesceMs?: number;
  /** Published rows (and processed-event records) are deleted after this long. Default 7 days. */
  retentionMs?: number;
}): OutboxRelay {
  const { db, bus, logger } = options;
  let running: Promise<number> | null = null;
  let again = false;
  let stopped = false;

  async function publishBatch(): Promise<number> {
    return db.$transaction(async (tx) => {
      // SKIP LOCKED lets several relay replicas share the table without publishing a row twice.
      const rows = await tx.$queryRawUnsafe<OutboxRow[]>(
        `SELECT id::text AS id, topic, payload, created_at FROM outbox_events
          WHERE published_at IS NULL ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
        options.batchSize ?? 100,
      );
      await bus.publishAll(
        rows.map((row) => ({ id: row.id, topic: row.topic, payload: row.payload, occurredAt: row.created_at.toISOString() })),
      );
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
      if (again) {
        again = false;
        wake();
      }
    });
    return running;
  }

  let scheduled = false;
  const coalesceMs = options.coalesceMs ?? 5;
  function wake() {
    if (stopped) return;
    if (running) {
      again = true; // the rows just committed may be behind the running pass's last read
      return;
    }
    // Coalesce the wakes of a few milliseconds (handlers commit one after another under load) into
    // one pass: a pass costs four statements whatever it carries.
    if (scheduled) return;
    scheduled = true;
    setTimeout(() => {
      scheduled = false;
      flush().catch((error: unknown) => logger.warn({ err: error }, 'outbox relay pass failed; will retry'));
    }, coalesceMs);
  }

  // The poll catches what no one woke the relay for (rows left by a crash, another replica's writes).
  const timer = setInterval(wake, options.intervalMs ?? 250);
  const retentionMs = options.retentionMs ?? 7 * 86_400_000;
  // processed_events (where the service consumes events too) ages out with the outbox: a
  // redelivery comes within minutes (visibility timeout, retries), never after days.
  // Known once a probe succeeded (the table comes with the service's migrations); a failed probe asks again next time.
  let hasProcessedEvents: boolean | undefined;
  const prune = () =>
    db.$transaction(async (tx) => {
      if (hasProcessedEvents === undefined) {
        const [row] = await tx.$queryRawUnsafe<{ present: boolean }[]>(
          `SELECT to_regclass('processed_events') IS NOT NULL AS present`,
        );
        hasProcessedEvents = row?.present === true;
      }
      const cutoff = `now() - $1::double precision * interval '1 millisecond'`;
      const deleted = await tx.$executeRawUnsafe(`DELETE FROM outbox_events WHERE published_at < ${cutoff}`, retentionMs);
      if (hasProcessedEvents)
        await tx.$executeRawUnsafe(`DELETE FROM processed_events WHERE handled_at < ${cutoff}`, retentionMs);
      return deleted;
    });
  const pruner = setInterval(() => {
    prune().catch((error: unknown) => logger.warn({ err: error }, 'outbox pruning failed; will retry'));
  }, 3_600_000);
  pruner.unref();

  return {
    flush,
    wake,
    prune,
    async stop() {
      stopped = true;
      clearInterval(timer);
      clearInterval(pruner);
      await running?.catch(() => 0);
    },
  };
}
