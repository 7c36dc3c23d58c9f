/**
 * Running one service as its own process (services mode): read config from the environment,
 * connect the Redis event bus, start, and stop cleanly on SIGINT/SIGTERM.
 */
import { Redis } from 'ioredis';
import { readSubgraphConfig, stopOnSignals, type Env, type SubgraphConfig, type SubgraphName } from './config.js';
import { createInProcessEventBus, createRedisEventBus, type EventBus } from './events.js';
import { createLogger, type Logger } from './logger.js';
import type { RunningSubgraph } from './subgraph-server.js';

/** What the composition roots receive besides their config. */
export interface SharedAdapters {
  bus: EventBus;
}

/** The Redis bus when `redisUrl` is set; otherwise the in-process bus (single-process use only). */
export function connectEventBus(redisUrl: string | undefined, logger: Logger): { bus: EventBus; close(): Promise<void> } {
  if (!redisUrl) {
    logger.warn('REDIS_URL is not set: events stay inside this process');
    const bus = createInProcessEventBus(logger);
    return { bus, close: () => bus.close() };
  }
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const bus = createRedisEventBus(redis, logger);
  return {
    bus,
    async close() {
      await bus.close();
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
  const events = connectEventBus(config.redisUrl, logger);
  const running = await start(config, { bus: events.bus });
  stopOnSignals(
    async () => {
      await running.stop();
      await events.close();
    },
    (message) => logger.info(message),
  );
}
