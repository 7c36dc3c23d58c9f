/**
 * Transactional outbox relay. A service writes its change and an `outbox_events` row in one
 * transaction; the relay publishes unpublished rows to the bus and marks them, so an acknowledged
 * write's event is never lost (at-least-once: a crash between publish and mark republishes).
 * Every subgraph that emits events has the same `outbox_events` table (see its Prisma schema).
 */
import { randomUUID } from 'node:crypto';
import type { SqlClient, SqlRunner } from './database.js';
import type { DomainEvent, EventBus } from './events.js';
import type { Logger } from './logger.js';

/** An event as a use case writes it: the relay stamps `occurredAt` from the row's creation time. */
export type OutboxEvent<T = unknown> = Omit<DomainEvent<T>, 'occurredAt'>;

/** A new outbox event with a fresh id. */
export const outboxEvent = <T>(topic: string, payload: T): OutboxEvent<T> => ({ id: randomUUID(), topic, payload });

/** A bus event as a consumer records it in `processed_events`. */
export type HandledEvent = Pick<DomainEvent, 'id' | 'topic'>;

/**
 * What a change writes besides itself, in its own transaction: the bus event it handles (recorded
 * in `processed_events`, so a redelivery changes nothing) and the events announcing it (written to
 * `outbox_events`, from the change as made). Every store takes this for its event-driven writes and
 * hands it to {@link writeEffects} or {@link effectsSql}; which change counts as "made" is the store's.
 */
export interface ChangeEffects<T = void> {
  /** The bus event the change answers. */
  handled?: HandledEvent;
  /** The outbox events announcing the change, or how to make them from its result. */
  announce?: readonly OutboxEvent[] | ((change: T) => readonly OutboxEvent[]);
}

/** How {@link effectsSql} fits the effects into a store's statement. */
export interface EffectsSqlOptions {
  /** The statement's own parameters: the effects' are numbered after them. */
  params?: readonly unknown[];
  /**
   * What a `handled` event recorded before does: `fails` the statement on the primary key of
   * `processed_events` (the store rolls back and reports a redelivery; see `isUniqueViolation`), or
   * is `ignored` (the change itself is idempotent). Default `fails`.
   */
  redelivery?: 'fails' | 'ignored';
  /** A CTE of the statement whose rows say the change was made: `handled` is recorded only then. */
  handledIf?: string;
  /** A CTE of the statement whose rows say the change was made: the events are written only then. */
  announceIf?: string;
}

const onlyIfMade = (cte: string | undefined) => (cte ? ` WHERE EXISTS (SELECT 1 FROM ${cte})` : '');

/**
 * The effects of a change as data-modifying CTEs, `processed` (`RETURNING id`: empty when the event
 * was recorded before and `redelivery` is `ignored`) and `announced`, each preceded by a comma, to
 * follow a statement's own CTEs — so a hot path writes its change and its effects in one statement —
 * and every parameter of that statement. A part with nothing to write is left out (a service
 * without `processed_events` never names it).
 */
export function effectsSql<T>(
  effects: ChangeEffects<T> | undefined,
  change: T,
  options: EffectsSqlOptions = {},
): { ctes: string; params: unknown[] } {
  const params = [...(options.params ?? [])];
  let ctes = '';
  const handled = effects?.handled;
  if (handled) {
    const n = params.push(handled.id, handled.topic);
    ctes += `,
     processed AS (
       INSERT INTO processed_events (id, topic) SELECT $${n - 1}::text, $${n}::text${onlyIfMade(options.handledIf)}
       ${options.redelivery === 'ignored' ? 'ON CONFLICT (id) DO NOTHING ' : ''}RETURNING id)`;
  }
  const announce = effects?.announce ?? [];
  const events = typeof announce === 'function' ? announce(change) : announce;
  if (events.length > 0) {
    // One statement for any number of events, in their order (the table's `seq` keeps it).
    const n = params.push(
      events.map((e) => e.id),
      events.map((e) => e.topic),
      events.map((e) => JSON.stringify(e.payload)),
    );
    ctes += `,
     announced AS (
       INSERT INTO outbox_events (id, topic, payload)
       SELECT * FROM unnest($${n - 2}::uuid[], $${n - 1}::text[], $${n}::jsonb[])${onlyIfMade(options.announceIf)})`;
  }
  return { ctes, params };
}

/**
 * Writes the effects of `change` inside the caller's transaction (the kit's `sqlClient` or a Prisma
 * transaction), in one statement. Resolves to false when `handled` was recorded before — the
 * events are written all the same (the caller made its change; a store whose repeats must write
 * nothing checks first, or fails on the record with {@link effectsSql}) — and true otherwise.
 */
export async function writeEffects(tx: SqlRunner, effects: ChangeEffects): Promise<boolean>;
export async function writeEffects<T>(tx: SqlRunner, effects: ChangeEffects<T>, change: T): Promise<boolean>;
export async function writeEffects<T>(tx: SqlRunner, effects: ChangeEffects<T>, change?: T): Promise<boolean> {
  const { ctes, params } = effectsSql(effects, change as T, { redelivery: 'ignored' });
  if (ctes === '') return true;
  const fresh = effects.handled ? '(SELECT count(*)::int FROM processed)' : '1';
  const [row] = await tx.$queryRawUnsafe<{ fresh: number }[]>(`WITH ${ctes.slice(1)} SELECT ${fresh} AS fresh`, ...params);
  return row?.fresh === 1;
}

/** Writes events into `outbox_events` inside the caller's transaction: {@link writeEffects} with nothing handled. */
export async function writeOutbox(tx: SqlRunner, events: readonly OutboxEvent[]): Promise<void> {
  await writeEffects(tx, { announce: events });
}

/**
 * Records, inside the caller's transaction, that `event` was handled; false when it already was —
 * the handler then skips its effect. With the effect in the same transaction, a redelivered event
 * (the consumer died before acknowledging) is applied exactly once. {@link writeEffects} with no events.
 */
export const markProcessed = (tx: SqlRunner, event: HandledEvent): Promise<boolean> => writeEffects(tx, { handled: event });

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
  seq: string;
}

export interface OutboxRelayOptions {
  /** Raw SQL and transactions of it: the kit's `sqlClient` or a generated Prisma client. */
  db: SqlClient;
  bus: EventBus;
  logger: Logger;
  intervalMs?: number;
  batchSize?: number;
  /** How long a wake waits for more commits to carry in the same pass. Default 5 ms. */
  coalesceMs?: number;
  /** Published rows (and processed-event records) are deleted after this long. Default 7 days. */
  retentionMs?: number;
  /**
   * How long a relay may take to publish what it claimed before another relay (a replica, or this
   * one restarted after a crash) may claim it again: what a relay dying mid-publish delays its batch
   * by. Default 5 s; publishing gives up before (a Redis command times out after 2 s).
   */
  claimMs?: number;
  /**
   * When the broker lost what it held (see {@link EventBus.epoch}), events published this long
   * before are published again (consumers skip those they handled). Default 10 minutes.
   */
  replayWindowMs?: number;
  /** How often the broker's epoch is compared with the one recorded. Default 1 s. */
  epochCheckMs?: number;
}

export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, bus, logger } = options;
  const claimMs = options.claimMs ?? 5_000;
  let running: Promise<number> | null = null;
  let again = false;
  let stopped = false;

  /**
   * Publishes one batch: claims rows with one committed statement, publishes them, then marks them
   * published. No transaction or row lock is held while the bus is waited on, so a slow or absent
   * Redis never blocks the writers of the table; a relay that dies after claiming leaves rows that
   * another claims once the claim runs out.
   */
  async function publishBatch(): Promise<number> {
    // SKIP LOCKED: several relay replicas claim disjoint batches.
    const rows = await db.$queryRawUnsafe<OutboxRow[]>(
      `UPDATE outbox_events o SET claimed_until = now() + $2::double precision * interval '1 millisecond'
         FROM (SELECT id FROM outbox_events
                WHERE published_at IS NULL AND (claimed_until IS NULL OR claimed_until < now())
                ORDER BY created_at, seq LIMIT $1 FOR UPDATE SKIP LOCKED) c
        WHERE o.id = c.id
        RETURNING o.id::text AS id, o.topic, o.payload, o.created_at, o.seq::text AS seq`,
      options.batchSize ?? 100,
      claimMs,
    );
    if (rows.length === 0) return 0;
    rows.sort((a, b) => Number(a.seq) - Number(b.seq));
    const ids = rows.map((row) => row.id);
    try {
      await bus.publishAll(
        rows.map((row) => ({ id: row.id, topic: row.topic, payload: row.payload, occurredAt: row.created_at.toISOString() })),
      );
    } catch (error) {
      // Hand the claim back, so the next pass (this relay or another) tries at once, not after the claim runs out.
      await db
        .$executeRawUnsafe(`UPDATE outbox_events SET claimed_until = NULL WHERE id = ANY($1::uuid[])`, ids)
        .catch(() => undefined);
      throw error;
    }
    // Published but not marked (the database went away meanwhile): published again later; consumers skip duplicates.
    await db.$executeRawUnsafe(
      `UPDATE outbox_events SET published_at = now(), claimed_until = NULL WHERE id = ANY($1::uuid[])`,
      ids,
    );
    return rows.length;
  }

  const replayWindowMs = options.replayWindowMs ?? 10 * 60_000;
  const epochCheckMs = options.epochCheckMs ?? 1000;
  /** The broker epoch recorded in this database (undefined: not read yet). */
  let recordedEpoch: string | null | undefined;
  let lastEpochCheck = 0;

  /**
   * Compares the broker's epoch with the one this database recorded. A different one means the
   * broker lost its data (restarted without persistence, flushed, failed over) since this service
   * last published — maybe while it was down too: events published within `replayWindowMs` go out
   * again, in the same pass.
   */
  async function checkEpoch(): Promise<void> {
    if (Date.now() - lastEpochCheck < epochCheckMs) return;
    lastEpochCheck = Date.now();
    const epoch = await bus.epoch();
    if (epoch === null) return;
    if (recordedEpoch === undefined) {
      const [row] = await db.$queryRawUnsafe<{ broker_epoch: string }[]>(`SELECT broker_epoch FROM outbox_relay_state`);
      recordedEpoch = row?.broker_epoch ?? null;
    }
    if (epoch === recordedEpoch) return;
    const republished = await db.$transaction(async (tx) => {
      const count = await tx.$executeRawUnsafe(
        `UPDATE outbox_events SET published_at = NULL, claimed_until = NULL
          WHERE published_at > now() - $1::double precision * interval '1 millisecond'`,
        replayWindowMs,
      );
      await tx.$executeRawUnsafe(
        `INSERT INTO outbox_relay_state (id, broker_epoch) VALUES (true, $1)
         ON CONFLICT (id) DO UPDATE SET broker_epoch = EXCLUDED.broker_epoch, updated_at = now()`,
        epoch,
      );
      return count;
    });
    if (recordedEpoch !== null || republished > 0) {
      logger.warn({ republished }, 'the event broker lost what it held; publishing the recent events again');
    }
    recordedEpoch = epoch;
  }

  async function flush(): Promise<number> {
    if (running) return running;
    running = (async () => {
      await checkEpoch();
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
  let failures = 0;
  const coalesceMs = options.coalesceMs ?? 5;
  function wake() {
    if (stopped) return;
    if (running) {
      again = true; // the rows just committed may be behind the running pass's last read
      return;
    }
    // Coalesce the wakes of a few milliseconds (handlers commit one after another under load) into
    // one pass: a pass costs two statements whatever it carries.
    if (scheduled) return;
    scheduled = true;
    setTimeout(() => {
      scheduled = false;
      flush().then(
        () => {
          if (failures > 0) logger.info({ failures }, 'outbox relay publishing again');
          failures = 0;
        },
        (error: unknown) => {
          // An outage fails every poll: say so once, then every 10 s or so, not four times a second.
          failures += 1;
          if (failures === 1 || failures % 40 === 0)
            logger.warn({ err: error, failures }, 'outbox relay pass failed; will retry');
        },
      );
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
