/**
 * The event bus: how services tell each other what happened. Two implementations with the same
 * contract — Redis Streams with consumer groups (services mode) and in-process (embedded mode):
 *
 * - each event of a topic is delivered to one consumer of every subscribed group, at least once;
 * - it is acknowledged only after the handler resolves, so handlers must be idempotent
 *   (see `ProcessedEvent` tables);
 * - a failing handler is retried with backoff (doubling, capped) according to why it failed
 *   (see failures.ts): a transient failure — a database or Redis down, a timeout — is retried until
 *   it succeeds; a failure of the event's content goes to the dead-letter list at once; an unknown
 *   failure is retried `maxDeliveries` times, then dead-lettered;
 * - every dead letter can be read and replayed (published again with the same id).
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { backoffDelay, failureKindOf } from './failures.js';
import type { Logger } from './logger.js';

export interface DomainEvent<T = unknown> {
  id: string;
  topic: string;
  payload: T;
  occurredAt: string;
}

export type EventHandler = (event: DomainEvent) => Promise<void>;

export interface DeadLetter {
  /** Its id in the dead-letter list: what {@link EventBus.replayDeadLetter} takes. */
  id: string;
  event: DomainEvent;
  /** The consumer group whose handler gave up on the event. */
  group: string;
  /** The last error's message. */
  error: string;
  /** `content`: the event itself cannot succeed; `retries_exhausted`: an unknown error on every delivery. */
  reason: 'content' | 'retries_exhausted';
  deliveries: number;
  /** When it was dead-lettered (ISO-8601). */
  at: string;
}

export interface EventBus {
  publish(event: DomainEvent): Promise<void>;
  /** Publishes several events in order, in one round trip where the transport allows. */
  publishAll(events: readonly DomainEvent[]): Promise<void>;
  /**
   * Starts delivering `topic` to `handler` as a member of consumer group `group`. A group created now
   * starts from the first event the stream still holds, or with `{ from: 'now' }` from the next one
   * (a live feed has no use for history).
   */
  subscribe(topic: string, group: string, handler: EventHandler, options?: { from?: 'start' | 'now' }): void;
  /** The events handlers gave up on, oldest first (at most `limit`, newest kept). */
  deadLetters(limit?: number): Promise<DeadLetter[]>;
  /** One dead letter by its id; null when there is none. */
  deadLetter(id: string): Promise<DeadLetter | null>;
  /**
   * Publishes a dead letter's event again on its topic, with its own id, and takes it off the list;
   * null when there is no such letter. Groups that handled the event already skip it (handlers are
   * idempotent by event id); the group that gave up gets it again.
   */
  replayDeadLetter(id: string): Promise<DeadLetter | null>;
  /**
   * The id of the transport's current store of events: it changes when the transport loses what it
   * held (Redis restarted without persistence, flushed, failed over to a replica that was behind, an
   * append-only file that missed its last second), and the outbox relay then publishes its recent
   * events again. Null for a transport that keeps nothing beyond the outbox (in-process).
   */
  epoch(): Promise<string | null>;
  close(): Promise<void>;
}

export interface DeliveryPolicy {
  /**
   * Deliveries of an event whose handler keeps failing for an unknown reason before it is
   * dead-lettered. Transient failures do not count; content failures are dead-lettered at once.
   */
  maxDeliveries: number;
  /** First retry delay; doubles each time up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
}

export const defaultDeliveryPolicy: DeliveryPolicy = { maxDeliveries: 5, backoffMs: 200, maxBackoffMs: 10_000 };

/** A new event with a fresh id. */
export function domainEvent<T>(topic: string, payload: T, id: string = randomUUID()): DomainEvent<T> {
  return { id, topic, payload, occurredAt: new Date().toISOString() };
}

/** How many dead letters are kept (in memory, or in the Redis dead-letter stream). */
const maxDeadLetters = 10_000;

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Waits that end early when the bus closes. */
function sleeper() {
  const waiting = new Map<NodeJS.Timeout, () => void>();
  return {
    sleep(ms: number): Promise<void> {
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(timer);
          resolve();
        }, ms);
        waiting.set(timer, resolve);
      });
    },
    wakeAll() {
      for (const [timer, resolve] of waiting) {
        clearTimeout(timer);
        resolve();
      }
      waiting.clear();
    },
  };
}

type Settled = { outcome: 'handled' } | { outcome: 'dead'; letter: Omit<DeadLetter, 'id'> } | { outcome: 'closed' };

interface Delivery {
  event: DomainEvent;
  group: string;
  handler: EventHandler;
  /** This delivery's number (1 = the first; more after a takeover). */
  delivery: number;
  policy: DeliveryPolicy;
  logger: Logger;
  isClosed: () => boolean;
  sleep: (ms: number) => Promise<void>;
  /** Called before each wait for a retry and after it (entries waiting are kept from takeover). */
  onWaiting?: (waiting: boolean) => void;
}

/**
 * Runs the handler until the event is handled or given up on (see the module comment). Logs the
 * first failure and every tenth, and the recovery, not every retry of an outage.
 */
async function settle(d: Delivery): Promise<Settled> {
  const { event, group, logger } = d;
  const where = { eventId: event.id, topic: event.topic, group };
  let failures = 0;
  // Only unknown failures count towards maxDeliveries (an outage must not use them up); deliveries
  // before a takeover are counted as such, whatever they were.
  let unknownFailures = d.delivery - 1;
  for (let delivery = d.delivery; ; delivery++) {
    if (d.isClosed()) return { outcome: 'closed' };
    try {
      await d.handler(event);
      if (failures > 0) logger.info({ ...where, deliveries: delivery }, 'event handled after retries');
      return { outcome: 'handled' };
    } catch (error) {
      failures += 1;
      const kind = failureKindOf(error);
      if (kind === 'unknown') unknownFailures += 1;
      if (kind === 'content' || (kind === 'unknown' && unknownFailures >= d.policy.maxDeliveries)) {
        logger.error({ err: error, ...where, kind }, 'event dead-lettered');
        const letter = {
          event,
          group,
          error: errorText(error),
          reason: kind === 'content' ? ('content' as const) : ('retries_exhausted' as const),
          deliveries: delivery,
          at: new Date().toISOString(),
        };
        return { outcome: 'dead', letter };
      }
      if (failures === 1 || failures % 10 === 0) {
        logger.warn({ err: error, ...where, kind, delivery }, 'event handler failed; will retry');
      }
      d.onWaiting?.(true);
      await d.sleep(backoffDelay(failures, d.policy.backoffMs, d.policy.maxBackoffMs));
      d.onWaiting?.(false);
    }
  }
}

/** How many recent events of a topic the in-process bus keeps for a group that subscribes later. */
const inProcessHistory = 1000;

/**
 * In-process bus for the embedded mode: same delivery contract, no persistence beyond the outbox.
 * Like a stream, a topic keeps its recent events (the last 1,000): a group subscribing later (a
 * subgraph started after another published) starts from them, unless it asks for `from: 'now'`.
 */
export function createInProcessEventBus(logger: Logger, options: Partial<DeliveryPolicy> = {}): EventBus {
  const policy = { ...defaultDeliveryPolicy, ...options };
  const groups = new Map<string, Map<string, EventHandler>>(); // topic -> group -> handler
  const history = new Map<string, DomainEvent[]>(); // topic -> its recent events
  const dead: DeadLetter[] = [];
  const waits = sleeper();
  let closed = false;

  function deliver(event: DomainEvent, group: string, handler: EventHandler) {
    void settle({ event, group, handler, delivery: 1, policy, logger, isClosed: () => closed, sleep: waits.sleep }).then(
      (settled) => {
        if (settled.outcome !== 'dead') return;
        dead.push({ id: randomUUID(), ...settled.letter });
        if (dead.length > maxDeadLetters) dead.shift();
      },
    );
  }

  const publish = async (event: DomainEvent) => {
    if (closed) return;
    const recent = history.get(event.topic) ?? [];
    recent.push(event);
    if (recent.length > inProcessHistory) recent.shift();
    history.set(event.topic, recent);
    for (const [group, handler] of groups.get(event.topic) ?? []) queueMicrotask(() => deliver(event, group, handler));
  };
  return {
    publish,
    async publishAll(events) {
      for (const event of events) await publish(event);
    },
    subscribe(topic, group, handler, subscribeOptions) {
      const byGroup = groups.get(topic) ?? new Map<string, EventHandler>();
      const created = !byGroup.has(group);
      byGroup.set(group, handler);
      groups.set(topic, byGroup);
      if (created && subscribeOptions?.from !== 'now') {
        for (const event of history.get(topic) ?? []) queueMicrotask(() => deliver(event, group, handler));
      }
    },
    async deadLetters(limit = maxDeadLetters) {
      return dead.slice(-limit);
    },
    async deadLetter(id) {
      return dead.find((letter) => letter.id === id) ?? null;
    },
    async replayDeadLetter(id) {
      const index = dead.findIndex((letter) => letter.id === id);
      if (index === -1) return null;
      const [letter] = dead.splice(index, 1) as [DeadLetter];
      await publish(letter.event); // as a stream would: groups that handled it skip it
      return letter;
    },
    async epoch() {
      return null; // nothing is kept outside the outbox: nothing can be lost after it
    },
    async close() {
      closed = true;
      waits.wakeAll();
    },
  };
}

export interface RedisBusOptions extends Partial<DeliveryPolicy> {
  /** Prefix of every stream key (`<namespace>:events:<topic>`); default `meridian`. */
  namespace?: string;
  /** This process's name in the consumer groups; default pid + random. */
  consumer?: string;
  /** Visibility timeout: an entry a running handler holds this long is taken over by another consumer. Default 15 s. */
  claimIdleMs?: number;
  /**
   * Entries a stream may hold before the bus reports a group lagging behind (error log). Entries
   * every group has read and acknowledged are trimmed; unread ones never are. Default 100,000.
   */
  maxLen?: number;
  /** How often each stream is trimmed. Default 60 s. */
  trimIntervalMs?: number;
  /** Entries one subscription handles at once (also the most it holds while its handler retries). Default 50. */
  batchSize?: number;
}

type StreamEntry = [id: string, fields: string[] | null];

/** `1700000000000-3` as a comparable pair. */
const entryOrder = (id: string): [number, number] => {
  const [ms, seq] = id.split('-');
  return [Number(ms), Number(seq ?? 0)];
};
const earlier = (a: string, b: string) => {
  const [am, as] = entryOrder(a);
  const [bm, bs] = entryOrder(b);
  return am < bm || (am === bm && as < bs);
};

const isNoGroup = (error: unknown) => errorText(error).startsWith('NOGROUP');

/** Flat `[key, value, key, value]` replies of XINFO as an object. */
function fieldsOf(flat: unknown[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[String(flat[i])] = flat[i + 1];
  return fields;
}

/**
 * Redis Streams bus. `connection` is used for publishing; each subscription opens its own blocking
 * connection (`connection.duplicate()`) and handles up to `batchSize` entries at once (events of one
 * topic are independent; a saga's steps are ordered by the saga itself). An entry whose handler is
 * waiting to retry stays this consumer's (its idle time is reset), so a long outage does not hand it
 * around; an entry a consumer holds while its handler runs past `claimIdleMs` (the visibility timeout:
 * the consumer died) is taken over by another with XAUTOCLAIM. A group or stream that disappeared
 * (Redis restarted without persistence, flushed, failed over) is created again and reading goes on.
 */
export function createRedisEventBus(connection: Redis, logger: Logger, options: RedisBusOptions = {}): EventBus {
  const policy: DeliveryPolicy = {
    maxDeliveries: options.maxDeliveries ?? defaultDeliveryPolicy.maxDeliveries,
    backoffMs: options.backoffMs ?? defaultDeliveryPolicy.backoffMs,
    maxBackoffMs: options.maxBackoffMs ?? defaultDeliveryPolicy.maxBackoffMs,
  };
  const namespace = options.namespace ?? 'meridian';
  const streamKey = (topic: string) => `${namespace}:events:${topic}`;
  const deadLetterKey = `${namespace}:events:dead-letter`;
  const markerKey = `${namespace}:events:epoch`;
  const batchSize = options.batchSize ?? 50;
  const consumer = options.consumer ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
  const claimIdleMs = options.claimIdleMs ?? 15_000;
  const maxLen = options.maxLen ?? 100_000;
  const readers: Redis[] = [];
  const keepers: NodeJS.Timeout[] = [];
  const streams = new Set<string>(); // every stream this process published to or reads: the trimmer's list
  const waits = sleeper();
  let closed = false;

  /** Retries a Redis write until it succeeds, the bus closes, or it fails for a reason retrying cannot fix. */
  async function persist(what: string, write: () => Promise<unknown>): Promise<void> {
    for (let attempt = 1; !closed; attempt++) {
      try {
        await write();
        return;
      } catch (error) {
        if (isNoGroup(error)) return; // the entry went with its group (Redis lost its data): nothing left to settle
        if (failureKindOf(error) !== 'transient') {
          logger.error({ err: error }, `${what} failed`);
          return;
        }
        if (attempt === 1) logger.warn({ err: error }, `${what} failed; will retry`);
        await waits.sleep(backoffDelay(attempt, policy.backoffMs, policy.maxBackoffMs));
      }
    }
  }

  function consume(topic: string, group: string, handler: EventHandler, from: 'start' | 'now') {
    const reader = connection.duplicate();
    reader.on('error', () => undefined); // the loop below reports what it cannot do
    readers.push(reader);
    const key = streamKey(topic);
    streams.add(key);
    /** Entries this consumer took and has not settled, and whether each is waiting to retry. */
    const held = new Map<string, { waiting: boolean }>();
    let slotFreed: (() => void) | null = null;

    async function handleEntry(id: string, fields: string[], delivery: number) {
      let event: DomainEvent;
      try {
        event = JSON.parse(fields[fields.indexOf('event') + 1] ?? '') as DomainEvent;
      } catch (error) {
        // Not an event at all: nothing to retry. Kept as a letter with what could be read.
        event = { id: `unreadable:${id}`, topic, payload: fields, occurredAt: new Date().toISOString() };
        await deadLetter(
          {
            event,
            group,
            error: errorText(error),
            reason: 'content',
            deliveries: delivery,
            at: event.occurredAt,
          },
          id,
        );
        return;
      }
      const state = held.get(id)!;
      const settled = await settle({
        event,
        group,
        handler,
        delivery,
        policy,
        logger,
        isClosed: () => closed,
        sleep: waits.sleep,
        onWaiting: (waiting) => (state.waiting = waiting),
      });
      if (settled.outcome === 'handled') await persist('acknowledging an event', () => connection.xack(key, group, id));
      else if (settled.outcome === 'dead') await deadLetter(settled.letter, id);
      // 'closed': left pending; another consumer takes it over after the visibility timeout.
    }

    async function deadLetter(letter: Omit<DeadLetter, 'id'>, entryId?: string) {
      await persist('dead-lettering an event', async () => {
        const multi = connection
          .multi()
          .xadd(deadLetterKey, 'MAXLEN', '~', maxDeadLetters, '*', 'letter', JSON.stringify(letter));
        if (entryId) multi.xack(key, group, entryId);
        const replies = (await multi.exec()) ?? [];
        if (replies[0]?.[0]) throw replies[0][0];
      });
    }

    function start(id: string, fields: string[], delivery: number) {
      held.set(id, { waiting: false });
      void handleEntry(id, fields, delivery).finally(() => {
        held.delete(id);
        slotFreed?.();
      });
    }

    async function createGroup() {
      await reader.xgroup('CREATE', key, group, from === 'now' ? '$' : '0', 'MKSTREAM').catch((error: Error) => {
        if (!error.message.includes('BUSYGROUP')) throw error;
      });
    }

    /** Takes over entries idle past the visibility timeout: their consumer died mid-handler. */
    async function takeOver(room: number) {
      const [, claimed] = (await reader.xautoclaim(key, group, consumer, claimIdleMs, '0', 'COUNT', room)) as [
        string,
        StreamEntry[],
      ];
      for (const [id, fields] of claimed) {
        if (held.has(id)) continue; // ours, still being handled
        if (!fields) {
          await reader.xack(key, group, id); // trimmed away meanwhile: nothing to handle
          continue;
        }
        const pending = (await reader.xpending(key, group, id, id, 1)) as [string, string, number, number][];
        start(id, fields, pending[0]?.[3] ?? 2);
      }
    }

    async function run() {
      let groupReady = false;
      let lastTakeOver = 0;
      let loopFailures = 0;
      while (!closed) {
        try {
          if (!groupReady) {
            await createGroup();
            groupReady = true;
          }
          const room = batchSize - held.size;
          if (room <= 0) {
            // Every slot is taken (an outage makes handlers retry): read nothing more until one frees.
            await Promise.race([new Promise<void>((resolve) => (slotFreed = resolve)), waits.sleep(claimIdleMs / 3)]);
            slotFreed = null;
            continue;
          }
          if (Date.now() - lastTakeOver > claimIdleMs / 2) {
            lastTakeOver = Date.now();
            await takeOver(room);
            continue;
          }
          const result = (await reader.xreadgroup('GROUP', group, consumer, 'COUNT', room, 'BLOCK', 500, 'STREAMS', key, '>')) as
            [string, [string, string[]][]][] | null;
          for (const [, entries] of result ?? []) for (const [id, fields] of entries) start(id, fields, 1);
          if (loopFailures > 0) logger.info({ topic, group }, 'event consumer reading again');
          loopFailures = 0;
        } catch (error) {
          if (closed) return;
          if (isNoGroup(error)) {
            // The stream or its group is gone: Redis restarted without persistence, was flushed, or
            // failed over. Create the group again (from the start of what the stream holds now:
            // the outbox relays publish again what was lost) and carry on.
            logger.warn({ topic, group }, 'consumer group is gone (Redis lost its data?); creating it again');
            groupReady = false;
            continue;
          }
          loopFailures += 1;
          if (loopFailures === 1 || loopFailures % 30 === 0) {
            logger.error(
              { err: error, topic, group, failures: loopFailures },
              'event consumer cannot read; retrying every second',
            );
          }
          await waits.sleep(1000);
        }
      }
    }
    // Entries waiting out a retry's backoff stay this consumer's: their idle time is reset (on the
    // shared connection: the reader may be blocked in XREADGROUP).
    const keeper = setInterval(() => {
      const waiting = [...held].filter(([, state]) => state.waiting).map(([id]) => id);
      if (waiting.length === 0) return;
      connection.xclaim(key, group, consumer, 0, ...waiting, 'JUSTID').catch(() => undefined); // Redis down: nobody takes them either
    }, claimIdleMs / 3);
    keepers.push(keeper);
    void run();
  }

  /**
   * Drops the entries of `key` that every group has read and acknowledged, and reports (error log) a
   * stream grown past `maxLen` because a group lags behind: unread entries are never trimmed. A
   * stream nobody reads keeps its newest `maxLen`.
   */
  async function trim(key: string) {
    const groups = ((await connection.xinfo('GROUPS', key)) as unknown[][]).map(fieldsOf);
    if (groups.length === 0) {
      await connection.xtrim(key, 'MAXLEN', '~', maxLen);
      return;
    }
    let floor: string | null = null;
    for (const info of groups) {
      let safe = String(info['last-delivered-id']);
      if (Number(info.pending) > 0) {
        const [, oldestPending] = (await connection.xpending(key, String(info.name))) as [number, string | null];
        if (oldestPending && earlier(oldestPending, safe)) safe = oldestPending;
      }
      if (floor === null || earlier(safe, floor)) floor = safe;
    }
    if (floor) await connection.xtrim(key, 'MINID', '~', floor);
    const length = await connection.xlen(key);
    if (length > maxLen) {
      const lagging = groups.map((g) => ({ group: g.name, pending: g.pending, lag: g.lag }));
      logger.error(
        { stream: key, length, maxLen, groups: lagging },
        'event stream past its length limit: a consumer group is behind; its unread events are kept',
      );
    }
  }
  const trimmer = setInterval(() => {
    for (const key of streams) {
      trim(key).catch((error: unknown) => {
        if (!errorText(error).includes('no such key')) logger.warn({ err: error, stream: key }, 'stream trim failed');
      });
    }
  }, options.trimIntervalMs ?? 60_000);
  trimmer.unref();

  const add = (event: DomainEvent) => ['event', JSON.stringify(event)];

  /** The newest entry id this process added to each stream: what Redis must still know of. */
  const published = new Map<string, string>();
  function notePublished(key: string, id: string) {
    const seen = published.get(key);
    if (!seen || earlier(seen, id)) published.set(key, id);
  }
  async function streamsWentBack(): Promise<boolean> {
    if (published.size === 0) return false;
    const keys = [...published.keys()];
    const pipeline = connection.pipeline();
    for (const key of keys) pipeline.xinfo('STREAM', key);
    const replies = (await pipeline.exec()) ?? [];
    const wentBack = keys.some((key, i) => {
      const [error, info] = replies[i] ?? [];
      if (error) {
        if (/no such key/i.test(error.message)) return true;
        throw error;
      }
      return earlier(String(fieldsOf(info as unknown[])['last-generated-id']), published.get(key)!);
    });
    if (wentBack) published.clear();
    return wentBack;
  }

  async function findDeadLetter(id: string): Promise<DeadLetter | null> {
    let entries: [string, string[]][];
    try {
      entries = (await connection.xrange(deadLetterKey, id, id)) as [string, string[]][];
    } catch (error) {
      if (/Invalid stream ID/i.test(errorText(error))) return null; // not an id Redis could have made
      throw error;
    }
    const [entry] = entries;
    return entry ? { id, ...(JSON.parse(entry[1][1] ?? '{}') as Omit<DeadLetter, 'id'>) } : null;
  }
  return {
    async publish(event) {
      const key = streamKey(event.topic);
      streams.add(key);
      notePublished(key, String(await connection.xadd(key, '*', ...add(event))));
    },
    async publishAll(events) {
      if (events.length === 0) return;
      const pipeline = connection.pipeline();
      for (const event of events) {
        streams.add(streamKey(event.topic));
        pipeline.xadd(streamKey(event.topic), '*', ...add(event));
      }
      const replies = (await pipeline.exec()) ?? [];
      replies.forEach(([error, id], i) => {
        if (error) throw error;
        notePublished(streamKey(events[i]!.topic), String(id));
      });
    },
    subscribe(topic, group, handler, subscribeOptions) {
      consume(topic, group, handler, subscribeOptions?.from ?? 'start');
    },
    async deadLetters(limit = maxDeadLetters) {
      const entries = (await connection.xrevrange(deadLetterKey, '+', '-', 'COUNT', limit)) as [string, string[]][];
      return entries.reverse().map(([id, fields]) => ({ id, ...(JSON.parse(fields[1] ?? '{}') as Omit<DeadLetter, 'id'>) }));
    },
    deadLetter: findDeadLetter,
    async replayDeadLetter(id) {
      const letter = await findDeadLetter(id);
      if (!letter) return null;
      const key = streamKey(letter.event.topic);
      streams.add(key);
      // One transaction: the event is back on its stream exactly when the letter leaves the list.
      const replies =
        (await connection
          .multi()
          .xadd(key, '*', ...add(letter.event))
          .xdel(deadLetterKey, id)
          .exec()) ?? [];
      for (const [error] of replies) if (error) throw error;
      notePublished(key, String(replies[0]?.[1]));
      return letter;
    },
    async epoch() {
      // A loss Redis did not announce by losing everything (a failover to a replica that was behind,
      // an append-only file's last second): a stream this process published to is gone, or its last
      // id is older than one it was given. Say so to every relay by starting a new epoch.
      if (await streamsWentBack()) await connection.set(markerKey, randomUUID());
      // A marker key every bus of the namespace shares: set once, it disappears only with Redis's data.
      const replies = await connection.multi().set(markerKey, randomUUID(), 'NX').get(markerKey).exec();
      const [error, epoch] = replies?.[1] ?? [new Error('the epoch marker could not be read')];
      if (error) throw error;
      return epoch as string;
    },
    async close() {
      closed = true;
      clearInterval(trimmer);
      keepers.forEach(clearInterval);
      waits.wakeAll();
      await Promise.all(readers.map((r) => r.quit().catch(() => r.disconnect())));
    },
  };
}
