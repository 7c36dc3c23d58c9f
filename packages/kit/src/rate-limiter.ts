/**
 * Fixed-window rate limits: at most `limit` hits per key per window. Redis-backed in services mode
 * (so every replica counts together), in-process in embedded mode — same contract.
 */
import type { Redis } from 'ioredis';
import { DomainError } from './errors.js';

export interface RateLimit {
  /** Hits allowed per window. */
  limit: number;
  windowMs: number;
}

export interface RateLimitState {
  /** Hits counted in the current window, this one included. */
  count: number;
  /** Milliseconds until the window ends. */
  resetMs: number;
}

export interface RateLimiter {
  /** Counts a hit for `key` and returns the window's state. */
  hit(key: string, rule: RateLimit): Promise<RateLimitState>;
  /** The window's state without counting. */
  peek(key: string, rule: RateLimit): Promise<RateLimitState>;
  reset(key: string): Promise<void>;
}

/** Throws RATE_LIMITED (HTTP 429) with a retry-after hint when `state` is over `rule`. */
export function assertWithinLimit(state: RateLimitState, rule: RateLimit, what: string): void {
  if (state.count <= rule.limit) return;
  const retryAfterSeconds = Math.max(1, Math.ceil(state.resetMs / 1000));
  throw new DomainError('RATE_LIMITED', `Too many ${what}; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
}

export function createInProcessRateLimiter(now: () => number = Date.now): RateLimiter {
  const windows = new Map<string, { count: number; endsAt: number }>();
  const current = (key: string, rule: RateLimit) => {
    const t = now();
    let window = windows.get(key);
    if (!window || window.endsAt <= t) {
      window = { count: 0, endsAt: t + rule.windowMs };
      windows.set(key, window);
      if (windows.size > 100_000) for (const [k, w] of windows) if (w.endsAt <= t) windows.delete(k);
    }
    return window;
  };
  return {
    async hit(key, rule) {
      const window = current(key, rule);
      window.count += 1;
      return { count: window.count, resetMs: window.endsAt - now() };
    },
    async peek(key, rule) {
      const window = current(key, rule);
      return { count: window.count, resetMs: window.endsAt - now() };
    },
    async reset(key) {
      windows.delete(key);
    },
  };
}

// INCR then set the expiry on the first hit, atomically: a crash between the two cannot leave a
// counter that never expires.
const hitScript = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { count, redis.call('PTTL', KEYS[1]) }`;

export function createRedisRateLimiter(redis: Redis, prefix = 'meridian:ratelimit:'): RateLimiter {
  return {
    async hit(key, rule) {
      const [count, ttl] = (await redis.eval(hitScript, 1, prefix + key, rule.windowMs)) as [number, number];
      return { count, resetMs: ttl > 0 ? ttl : rule.windowMs };
    },
    async peek(key, rule) {
      const [count, ttl] = await Promise.all([redis.get(prefix + key), redis.pttl(prefix + key)]);
      return { count: Number(count ?? 0), resetMs: ttl > 0 ? ttl : rule.windowMs };
    },
    async reset(key) {
      await redis.del(prefix + key);
    },
  };
}
