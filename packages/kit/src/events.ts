/**
 * The event bus: how services tell each other what happened. Two implementations with the same
 * contract — Redis Streams with consumer groups (services mode) and in-process (embedded mode):
 *
 * - each event of a topic is delivered to one consumer of every subscribed group, at least once;
 * - it is acknowledged only after the handler resolves, so handlers must be idempotent
 *   (see `ProcessedEvent` tables);
 * - a failing handler is retried with exponential backoff, and after `maxDeliveries` the event goes
 *   to the dead-letter list with the last error.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from './logger.js';

export interface DomainEvent<T = unknown> {
  id: string;
  topic: string;
  payload: T;
  occurredAt: string;
}

export type EventHandler = (event: DomainEvent) => Promise<void>;

export interface DeadLetter {
  event: DomainEvent;
  /** The consumer group whose handler gave up on the event. */
  group: string;
  /** The last error's message. */
  error: string;
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
  /** The events every retry failed on, oldest first (at most `limit`, newest kept). */
  deadLetters(limit?: number): Promise<DeadLetter[]>;
  close(): Promise<void>;
}

export interface DeliveryPolicy {
  maxDeliveries: number;
  /** First retry delay; doubles each time. */
  backoffMs: number;
}

export const defaultDeliveryPolicy: DeliveryPolicy = { maxDeliveries: 5, backoffMs: 200 };

/** A new event with a fresh id. */
export function domainEvent<T>(topic: string, payload: T, id: string = randomUUID()): DomainEvent<T> {
  return { id, topic, payload, occurredAt: new Date().toISOString() };
}

/** How many dead letters are kept (in memory, or in the Redis dead-letter stream). */
const maxDeadLetters = 10_000;

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** In-process bus for the embedded mode: same delivery contract, no persistence beyond the outbox. */
export function createInProcessEventBus(logger: Logger, policy: DeliveryPolicy = defaultDeliveryPolicy): EventBus {
  const groups = new Map<string, Map<string, EventHandler>>(); // topic -> group -> handler
  const dead: DeadLetter[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  function deliver(event: DomainEvent, group: string, handler: EventHandler, delivery: number) {
    if (closed) return;
    handler(event).catch((error: unknown) => {
      if (delivery >= policy.maxDeliveries) {
        dead.push({ event, group, error: errorText(error), deliveries: delivery, at: new Date().toISOString() });
        if (dead.length > maxDeadLetters) dead.shift();
        logger.error({ err: error, eventId: event.id, topic: event.topic, group }, 'event dead-lettered');
        return;
      }
      logger.warn({ err: error, eventId: event.id, topic: event.topic, group, delivery }, 'event handler failed, retrying');
      const timer = setTimeout(
        () => {
          timers.delete(timer);
          deliver(event, group, handler, delivery + 1);
        },
        policy.backoffMs * 2 ** (delivery - 1),
      );
      timers.add(timer);
    });
  }

  const publish = async (event: DomainEvent) => {
    for (const [group, handler] of groups.get(event.topic) ?? []) {
      queueMicrotask(() => deliver(event, group, handler, 1));
    }
  };
  return {
    publish,
    async publishAll(events) {
      for (const event of events) await publish(event);
    },
    subscribe(topic, group, handler) {
      const byGroup = groups.get(topic) ?? new Map<string, EventHandler>();
      byGroup.set(group, handler);
      groups.set(topic, byGroup);
    },
    async deadLetters(limit = maxDeadLetters) {
      return dead.slice(-limit);
    },
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
    },
  };
}

export interface RedisBusOptions extends Partial<DeliveryPolicy> {
  /** Prefix of every stream key (`<namespace>:events:<topic>`); default `meridian`. */
  namespace?: string;
  /** This process's name in the consumer groups; default pid + random. */
  consumer?: string;
  /** Visibility timeout: an entry unacknowledged this long is taken over by another consumer. Default 15 s. */
  claimIdleMs?: number;
  /** Approximate length each stream is trimmed to. */
  maxLen?: number;
  /** Entries read at once per subscription, handled concurrently. Default 50. */
  batchSize?: number;
}

/**
 * Redis Streams bus. `connection` is used for publishing; each subscription opens its own blocking
 * connection (`connection.duplicate()`) and handles the entries of a read concurrently (events of
 * one topic are independent; a saga's steps are ordered by the saga itself). Entries left pending
 * by a consumer that died are taken over after `claimIdleMs` (the visibility timeout) with XAUTOCLAIM.
 */
export function createRedisEventBus(connection: Redis, logger: Logger, options: RedisBusOptions = {}): EventBus {
  const policy = { ...defaultDeliveryPolicy, ...options };
  const namespace = options.namespace ?? 'meridian';
  const streamKey = (topic: string) => `${namespace}:events:${topic}`;
  const deadLetterKey = `${namespace}:events:dead-letter`;
  const batchSize = options.batchSize ?? 50;
  const consumer = options.consumer ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
  const claimIdleMs = options.claimIdleMs ?? 15_000;
  const readers: Redis[] = [];
  let closed = false;

  const retries = new Set<NodeJS.Timeout>();

  /**
   * Runs the handler for one entry; acknowledges on success. A failure is retried by this consumer
   * after `backoffMs * 2^(delivery-1)` (the entry stays pending meanwhile, its idle time reset so
   * no one takes it over); after `maxDeliveries` it is dead-lettered and acknowledged.
   */
  async function handleEntry(
    topic: string,
    group: string,
    handler: EventHandler,
    entryId: string,
    fields: string[],
    delivery: number,
  ) {
    const key = streamKey(topic);
    const event = JSON.parse(fields[fields.indexOf('event') + 1] ?? '{}') as DomainEvent;
    try {
      await handler(event);
      await connection.xack(key, group, entryId);
    } catch (error) {
      if (delivery >= policy.maxDeliveries) {
        const letter: DeadLetter = { event, group, error: errorText(error), deliveries: delivery, at: new Date().toISOString() };
        await connection
          .multi()
          .xadd(deadLetterKey, 'MAXLEN', '~', maxDeadLetters, '*', 'letter', JSON.stringify(letter))
          .xack(key, group, entryId)
          .exec();
        logger.error({ err: error, eventId: event.id, topic, group }, 'event dead-lettered');
        return;
      }
      logger.warn({ err: error, eventId: event.id, topic, group, delivery }, 'event handler failed, will retry');
      const timer = setTimeout(
        () => {
          retries.delete(timer);
          if (closed) return; // still pending: another consumer takes it after the visibility timeout
          connection
            .xclaim(key, group, consumer, 0, entryId, 'JUSTID')
            .then(() => handleEntry(topic, group, handler, entryId, fields, delivery + 1))
            .catch((retryError: unknown) => logger.error({ err: retryError, topic, group }, 'event retry failed'));
        },
        policy.backoffMs * 2 ** (delivery - 1),
      );
      retries.add(timer);
    }
  }

  async function run(topic: string, group: string, handler: EventHandler, from: 'start' | 'now') {
    const reader = connection.duplicate();
    readers.push(reader);
    const key = streamKey(topic);
    await reader.xgroup('CREATE', key, group, from === 'now' ? '$' : '0', 'MKSTREAM').catch((error: Error) => {
      if (!error.message.includes('BUSYGROUP')) throw error;
    });
    let lastClaim = 0;
    while (!closed) {
      try {
        if (Date.now() - lastClaim > claimIdleMs / 2) {
          lastClaim = Date.now();
          // Entries idle past the visibility timeout belong to a consumer that died mid-handler.
          const [, claimed] = (await reader.xautoclaim(key, group, consumer, claimIdleMs, '0', 'COUNT', 50)) as [
            string,
            [string, string[]][],
          ];
          await Promise.all(
            claimed.map(async ([id, fields]) => {
              if (!fields) return; // trimmed away meanwhile
              const pending = (await reader.xpending(key, group, id, id, 1)) as [string, string, number, number][];
              await handleEntry(topic, group, handler, id, fields, pending[0]?.[3] ?? 2);
            }),
          );
        }
        const result = (await reader.xreadgroup(
          'GROUP',
          group,
          consumer,
          'COUNT',
          batchSize,
          'BLOCK',
          500,
          'STREAMS',
          key,
          '>',
        )) as [string, [string, string[]][]][] | null;
        for (const [, entries] of result ?? []) {
          await Promise.all(entries.map(([id, fields]) => handleEntry(topic, group, handler, id, fields, 1)));
        }
      } catch (error) {
        if (closed) return;
        logger.error({ err: error, topic, group }, 'event consumer loop failed; retrying in 1s');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  const maxLen = options.maxLen ?? 100_000;
  return {
    async publish(event) {
      await connection.xadd(streamKey(event.topic), 'MAXLEN', '~', maxLen, '*', 'event', JSON.stringify(event));
    },
    async publishAll(events) {
      if (events.length === 0) return;
      const pipeline = connection.pipeline();
      for (const event of events)
        pipeline.xadd(streamKey(event.topic), 'MAXLEN', '~', maxLen, '*', 'event', JSON.stringify(event));
      for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
    },
    subscribe(topic, group, handler, options) {
      void run(topic, group, handler, options?.from ?? 'start');
    },
    async deadLetters(limit = maxDeadLetters) {
      const entries = (await connection.xrevrange(deadLetterKey, '+', '-', 'COUNT', limit)) as [string, string[]][];
      return entries.reverse().map(([, fields]) => JSON.parse(fields[1] ?? '{}') as DeadLetter);
    },
    async close() {
      closed = true;
      for (const timer of retries) clearTimeout(timer);
      await Promise.all(readers.map((r) => r.quit().catch(() => r.disconnect())));
    },
  };
}
