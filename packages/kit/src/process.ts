/**
 * Running one service as its own process (services mode): read config from the environment,
 * connect the Redis event bus, start, and stop cleanly on SIGINT/SIGTERM.
 */
import { Redis } from 'ioredis';
import {
  readSubgraphConfig,
  stopOnSignals,
  type Env,
  type EventsConfig,
  type SubgraphConfig,
  type SubgraphName,
} from './config.js';
import { createInProcessEventBus, createRedisEventBus, type EventBus } from './events.js';
import { createLogger, type Logger } from './logger.js';
import { createInProcessPubSub, createRedisPubSub, type PubSub } from './pubsub.js';
import { createInProcessRateLimiter, createRedisRateLimiter, type RateLimiter } from './rate-limiter.js';
import type { RunningSubgraph } from './subgraph-server.js';

/** What the composition roots receive besides their config. */
export interface SharedAdapters {
  bus: EventBus;
  /** Fan-out to every process listening now: what live subscriptions are fed from. */
  pubsub: PubSub;
  /** Shared counters for abuse limits; in-process when absent. */
  rateLimiter?: RateLimiter;
}

/**
 * The Redis-backed bus, pub/sub and rate limiter when `redisUrl` is set; otherwise in-process ones
 * (single-process use only: events, live messages and counters stay inside this process).
 */
export function connectSharedAdapters(
  redisUrl: string | undefined,
  logger: Logger,
  events?: EventsConfig,
): SharedAdapters & { close(): Promise<void> } {
  if (!redisUrl) {
    const bus = createInProcessEventBus(logger);
    return { bus, pubsub: createInProcessPubSub(), rateLimiter: createInProcessRateLimiter(), close: () => bus.close() };
  }
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const bus = createRedisEventBus(redis, logger, events ?? {});
  const pubsub = createRedisPubSub(redis, logger, { namespace: events?.namespace });
  return {
    bus,
    pubsub,
    rateLimiter: createRedisRateLimiter(redis),
    async close() {
      await bus.close();
      await pubsub.close();
      await redis.quit();
    },
  };
}

/** The body of every subgraph's `main.ts`. */
export async function runSubgraphProcess(
  name: SubgraphName,
  env: Env,
  start: (config: SubgraphConfig, shared: SharedAdapters) => Promise<RunningSubgraph>,
): Promise<void> {
  const config = readSubgraphConfig(name, env);
  const logger = createLogger(name, config.logLevel);
  // A service process is meant to share them with the others: without Redis it cannot.
  if (!config.redisUrl) logger.warn('REDIS_URL is not set: events and rate limits stay inside this process');
  const shared = connectSharedAdapters(config.redisUrl, logger, config.events);
  const running = await start(config, shared);
  stopOnSignals(
    async () => {
      await running.stop();
      await shared.close();
    },
    (message) => logger.info(message),
  );
}
