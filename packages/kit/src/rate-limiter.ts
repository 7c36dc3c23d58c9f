/**
 * Fixed-window rate limits: at most `limit` hits per key per window. Redis-backed in services mode
 * (so every replica counts together), in-process in embedded mode — same contract.
 *
 * A hit is counted before the work it guards, in one atomic step, so of any number of concurrent
 * callers only `limit` get through. Work that turns out not to be abuse (a right password) takes its
 * hit back afterwards: `refund` that one hit, or `forgive` it and every hit counted before it. Both
 * name the hit they start from, so they never take back a hit counted after it, nor one of a later
 * window.
 */
import type { Redis } from 'ioredis';
import { DomainError, serviceUnavailable } from './errors.js';

export interface RateLimit {
  /** Hits allowed per window. */
  limit: number;
  windowMs: number;
}

export interface RateLimitState {
  /** Hits counted in the current window and not taken back, this one included. */
  count: number;
  /** Milliseconds until the window ends. */
  resetMs: number;
  /** Names the window this hit was counted in (when it ends, in ms since the epoch). */
  window: number;
  /** This hit's place among every hit of its window, taken back or not (1 for the first). */
  position: number;
}

export interface RateLimiter {
  /** Counts a hit for `key`, atomically, and returns the window's state with this hit in it. */
  hit(key: string, rule: RateLimit): Promise<RateLimitState>;
  /** Takes back the one hit `counted` (what it guarded was not abuse). */
  refund(key: string, counted: RateLimitState): Promise<void>;
  /**
   * Takes back `counted` and every hit counted before it in its window; hits counted after it stay.
   * Refunds of hits after it are forgotten too, which can only count more, never less.
   */
  forgive(key: string, counted: RateLimitState): Promise<void>;
}

/** Throws RATE_LIMITED (HTTP 429) with a retry-after hint when `state` is over `rule`. */
export function assertWithinLimit(state: RateLimitState, rule: RateLimit, what: string): void {
  if (state.count <= rule.limit) return;
  const retryAfterSeconds = Math.max(1, Math.ceil(state.resetMs / 1000));
  throw new DomainError('RATE_LIMITED', `Too many ${what}; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
}

/**
 * One window of one key: `hits` counted, the first `forgiven` of them taken back by `forgive`, and
 * `refunded` more taken back one by one since.
 */
interface Window {
  endsAt: number;
  hits: number;
  forgiven: number;
  refunded: number;
}

const stateOf = (window: Window, now: number): RateLimitState => ({
  count: window.hits - window.forgiven - window.refunded,
  resetMs: window.endsAt - now,
  window: window.endsAt,
  position: window.hits,
});

export function createInProcessRateLimiter(now: () => number = Date.now): RateLimiter {
  const windows = new Map<string, Window>();
  const same = (key: string, counted: RateLimitState) => {
    const window = windows.get(key);
    return window && window.endsAt === counted.window && window.endsAt > now() ? window : undefined;
  };
  return {
    async hit(key, rule) {
      const t = now();
      let window = windows.get(key);
      if (!window || window.endsAt <= t) {
        window = { endsAt: t + rule.windowMs, hits: 0, forgiven: 0, refunded: 0 };
        windows.set(key, window);
        if (windows.size > 100_000) for (const [k, w] of windows) if (w.endsAt <= t) windows.delete(k);
      }
      window.hits += 1;
      return stateOf(window, t);
    },
    async refund(key, counted) {
      const window = same(key, counted);
      if (window && counted.position > window.forgiven) window.refunded += 1;
    },
    async forgive(key, counted) {
      const window = same(key, counted);
      if (window && counted.position > window.forgiven) Object.assign(window, { forgiven: counted.position, refunded: 0 });
    },
  };
}

// A window is a hash (n: hits, f: forgiven, r: refunded) that expires with the window; PEXPIRETIME
// names it. Each script runs atomically, so a hit and its expiry, or a check of the window and the
// take-back, cannot be split by another client.
const hitScript = `
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local taken = redis.call('HMGET', KEYS[1], 'f', 'r')
return { n - (tonumber(taken[1]) or 0) - (tonumber(taken[2]) or 0), redis.call('PTTL', KEYS[1]), redis.call('PEXPIRETIME', KEYS[1]), n }`;
const refundScript = `
if redis.call('PEXPIRETIME', KEYS[1]) ~= tonumber(ARGV[1]) then return 0 end
if tonumber(ARGV[2]) <= (tonumber(redis.call('HGET', KEYS[1], 'f')) or 0) then return 0 end
return redis.call('HINCRBY', KEYS[1], 'r', 1)`;
const forgiveScript = `
if redis.call('PEXPIRETIME', KEYS[1]) ~= tonumber(ARGV[1]) then return 0 end
if tonumber(ARGV[2]) <= (tonumber(redis.call('HGET', KEYS[1], 'f')) or 0) then return 0 end
redis.call('HSET', KEYS[1], 'f', ARGV[2], 'r', 0)
return 1`;

/** Where the services' counters live in Redis: `<prefix><key>`. */
export const defaultRateLimitPrefix = 'meridian:rate-limit:';

export interface RedisRateLimiterOptions {
  /** Prefix of the counters' keys (tests and stacks sharing one Redis keep apart); default {@link defaultRateLimitPrefix}. */
  prefix?: string;
  /**
   * Longest wait for Redis per call (default 1000 ms), whatever the client's own retry and queue
   * settings; past it the caller gets SERVICE_UNAVAILABLE instead of going on uncounted.
   */
  timeoutMs?: number;
}

/** Seconds a client is told to wait when the counters are out of reach. */
const unavailableRetrySeconds = 5;

/**
 * The limiter on Redis. It fails closed: when Redis cannot answer within `timeoutMs` (or the
 * connection is known to be down) `hit` throws SERVICE_UNAVAILABLE, so nothing is let through
 * uncounted. `refund` and `forgive` give up quietly instead: a hit that stays counted only errs on
 * the safe side.
 */
export function createRedisRateLimiter(redis: Redis, options: RedisRateLimiterOptions = {}): RateLimiter {
  const { prefix = defaultRateLimitPrefix, timeoutMs = 1000 } = options;
  const unavailable = () => serviceUnavailable('Abuse limits cannot be checked right now', unavailableRetrySeconds);

  async function bounded<T>(command: () => Promise<T>): Promise<T> {
    // While ioredis reconnects it queues commands (forever with `maxRetriesPerRequest: null`) and
    // would send them later: a hit counted after its caller was already answered. Refuse at once.
    if (redis.status === 'reconnecting' || redis.status === 'close' || redis.status === 'end') throw unavailable();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(unavailable()), timeoutMs);
    });
    try {
      return await Promise.race([command(), timeout]);
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw unavailable();
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async hit(key, rule) {
      const [count, ttl, endsAt, position] = await bounded(
        () => redis.eval(hitScript, 1, prefix + key, rule.windowMs) as Promise<[number, number, number, number]>,
      );
      return { count, resetMs: ttl > 0 ? ttl : rule.windowMs, window: endsAt, position };
    },
    async refund(key, counted) {
      await bounded(() => redis.eval(refundScript, 1, prefix + key, counted.window, counted.position)).catch(() => undefined);
    },
    async forgive(key, counted) {
      await bounded(() => redis.eval(forgiveScript, 1, prefix + key, counted.window, counted.position)).catch(() => undefined);
    },
  };
}
