/**
 * Running one service as its own process (services mode): read config from the environment,
 * connect the Redis event bus, start, and stop cleanly on SIGINT/SIGTERM.
 */
import { Redis, type RedisOptions } from 'ioredis';
import {
  readSubgraphConfig,
  stopOnSignals,
  type Env,
  type EventsConfig,
  type SubgraphConfig,
  type SubgraphIdentity,
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
 * How every Redis client of a service behaves when Redis is slow or gone: a command fails within a
 * bounded time (2 s to connect, 2 s per command, one retry across a reconnection) instead of
 * waiting in a queue until Redis returns. Callers decide what a failure means: the event bus and
 * the relay retry, a rate-limit check answers SERVICE_UNAVAILABLE. Reconnection goes on in the
 * background. (BullMQ builds its own clients: its workers need blocking commands without a limit.)
 */
export const redisClientOptions: RedisOptions = { maxRetriesPerRequest: 1, connectTimeout: 2_000, commandTimeout: 2_000 };

/**
 * A Redis client with {@link redisClientOptions} that says once when Redis becomes unreachable and
 * once when it is back (ioredis would print every failed reconnection attempt otherwise).
 */
export function connectRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, redisClientOptions);
  let down = false;
  redis.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.error({ err: error }, 'Redis is unreachable; commands fail until it is back');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info('Redis is reachable again');
  });
  return redis;
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
  const redis = connectRedis(redisUrl, logger);
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
  subgraph: SubgraphIdentity,
  env: Env,
  start: (config: SubgraphConfig, shared: SharedAdapters) => Promise<RunningSubgraph>,
): Promise<void> {
  const config = readSubgraphConfig(subgraph, env);
  const logger = createLogger(subgraph.name, config.logLevel);
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
