/**
 * Pub/sub: fan-out to whoever listens right now, on every process — what live subscriptions are fed
 * from. Unlike the event bus (each event to one consumer of each group, at least once, persisted),
 * a message here reaches every listener of its channel that is subscribed when it is published, and
 * nobody else. Two implementations with that contract: Redis PUBLISH/SUBSCRIBE (services mode, any
 * replica delivers) and in-process (embedded mode).
 */
import type { Redis } from 'ioredis';
import type { Logger } from './logger.js';

export type MessageListener = (message: unknown) => void;

export interface PubSub {
  publish(channel: string, message: unknown): Promise<void>;
  /**
   * Listens on `channel`. Resolves once listening is in effect: every message published after that
   * reaches `listener`. Returns the function that stops listening.
   */
  subscribe(channel: string, listener: MessageListener): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Listeners by channel, with the transport's subscribe/unsubscribe called on the first and last one. */
function listenerRegistry(transport: { open(channel: string): Promise<void>; shut(channel: string): Promise<void> }) {
  const channels = new Map<string, { listeners: Set<MessageListener>; ready: Promise<void> }>();
  return {
    dispatch(channel: string, message: unknown) {
      for (const listener of channels.get(channel)?.listeners ?? []) listener(message);
    },
    async add(channel: string, listener: MessageListener): Promise<() => Promise<void>> {
      let entry = channels.get(channel);
      if (!entry) {
        const ready = transport.open(channel);
        entry = { listeners: new Set(), ready };
        channels.set(channel, entry);
        ready.catch(() => channels.get(channel) === entry && channels.delete(channel));
      }
      entry.listeners.add(listener);
      const current = entry;
      await current.ready;
      return async () => {
        if (!current.listeners.delete(listener) || current.listeners.size > 0) return;
        if (channels.get(channel) === current) channels.delete(channel);
        await transport.shut(channel);
      };
    },
  };
}

/** In-process pub/sub for the embedded mode; delivery is asynchronous, as over Redis. */
export function createInProcessPubSub(): PubSub {
  const registry = listenerRegistry({ open: async () => {}, shut: async () => {} });
  return {
    async publish(channel, message) {
      // A structured copy: listeners never share (or mutate) the publisher's object, as over Redis.
      const copy = structuredClone(message);
      queueMicrotask(() => registry.dispatch(channel, copy));
    },
    subscribe: (channel, listener) => registry.add(channel, listener),
    async close() {},
  };
}

export interface RedisPubSubOptions {
  /** Prefix of every channel (`<namespace>:live:<channel>`); default `meridian`. */
  namespace?: string;
}

/**
 * Redis pub/sub: `connection` publishes; one duplicate connection (in subscriber mode) listens for
 * every channel of this process, subscribing a channel on its first listener and unsubscribing it
 * after its last. Messages are JSON.
 */
export function createRedisPubSub(connection: Redis, logger: Logger, options: RedisPubSubOptions = {}): PubSub {
  const prefix = `${options.namespace ?? 'meridian'}:live:`;
  const subscriber = connection.duplicate();
  subscriber.on('error', () => undefined); // the shared connection reports Redis being down; this one resubscribes when it is back
  const registry = listenerRegistry({
    open: async (channel) => void (await subscriber.subscribe(prefix + channel)),
    shut: async (channel) => void (await subscriber.unsubscribe(prefix + channel)),
  });
  subscriber.on('message', (key: string, text: string) => {
    if (!key.startsWith(prefix)) return;
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      logger.warn({ channel: key }, 'pub/sub message is not JSON; dropped');
      return;
    }
    registry.dispatch(key.slice(prefix.length), message);
  });
  return {
    async publish(channel, message) {
      await connection.publish(prefix + channel, JSON.stringify(message));
    },
    subscribe: (channel, listener) => registry.add(channel, listener),
    async close() {
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
