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
import { createHash } from 'node:crypto';
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
const unavailable = () => serviceUnavailable('Abuse limits cannot be checked right now', unavailableRetrySeconds);

/** One Redis call that answers within `timeoutMs` or throws SERVICE_UNAVAILABLE. */
async function boundedCall<T>(redis: Redis, timeoutMs: number, command: () => Promise<T>): Promise<T> {
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

/**
 * Runs a Lua script by its hash (the text crosses the wire once per Redis, not with every call),
 * sending the text only when Redis does not hold it yet (`NOSCRIPT`: a restart, a flush, a new server).
 */
function luaScript(redis: Redis, script: string) {
  const sha = createHash('sha1').update(script).digest('hex');
  return async (keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> => {
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
      return redis.eval(script, keys.length, ...keys, ...args);
    }
  };
}

/**
 * The limiter on Redis. It fails closed: when Redis cannot answer within `timeoutMs` (or the
 * connection is known to be down) `hit` throws SERVICE_UNAVAILABLE, so nothing is let through
 * uncounted. `refund` and `forgive` give up quietly instead: a hit that stays counted only errs on
 * the safe side.
 */
export function createRedisRateLimiter(redis: Redis, options: RedisRateLimiterOptions = {}): RateLimiter {
  const { prefix = defaultRateLimitPrefix, timeoutMs = 1000 } = options;
  const bounded = <T>(command: () => Promise<T>) => boundedCall(redis, timeoutMs, command);
  const runHit = luaScript(redis, hitScript);
  const runRefund = luaScript(redis, refundScript);
  const runForgive = luaScript(redis, forgiveScript);

  return {
    async hit(key, rule) {
      const [count, ttl, endsAt, position] = await bounded(
        () => runHit([prefix + key], [rule.windowMs]) as Promise<[number, number, number, number]>,
      );
      return { count, resetMs: ttl > 0 ? ttl : rule.windowMs, window: endsAt, position };
    },
    async refund(key, counted) {
      await bounded(() => runRefund([prefix + key], [counted.window, counted.position])).catch(() => undefined);
    },
    async forgive(key, counted) {
      await bounded(() => runForgive([prefix + key], [counted.window, counted.position])).catch(() => undefined);
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Token buckets: a steady rate with room for bursts. A bucket holds up to `burst` tokens and gains
// `rate` tokens every `periodMs`; a request takes `cost` tokens or is refused without taking any.

export interface TokenBucket {
  /** Tokens the bucket gains per period. */
  rate: number;
  periodMs: number;
  /** Tokens the bucket holds when full: the largest burst. */
  burst: number;
}

/** One bucket a request draws on: its key and how many tokens it takes. */
export interface TokenClaim {
  key: string;
  bucket: TokenBucket;
  cost: number;
}

export type TakeResult =
  | { granted: true }
  /** `refused` is the index of the first claim that could not be met; its tokens come back in `retryAfterMs`. */
  | { granted: false; refused: number; retryAfterMs: number };

export interface TokenBuckets {
  /**
   * Takes every claim's tokens, or none of them: all claims are checked and taken in one atomic
   * step, so concurrent callers (on every replica sharing the store) can never overdraw a bucket.
   */
  take(claims: readonly TokenClaim[]): Promise<TakeResult>;
}

/**
 * Milliseconds until a bucket at `level` holds `cost` tokens again. A cost above the burst is never
 * met: then the time an empty bucket takes to fill (no sooner is worth trying a smaller request).
 */
const waitFor = (bucket: TokenBucket, level: number, cost: number) =>
  Math.max(1, Math.ceil(((cost > bucket.burst ? bucket.burst : cost - level) * bucket.periodMs) / bucket.rate));

/** Buckets in this process's memory (embedded mode, and a fallback while Redis is out of reach). */
export function createInProcessTokenBuckets(now: () => number = Date.now): TokenBuckets {
  const buckets = new Map<string, { level: number; at: number }>();
  const levelOf = (claim: TokenClaim, t: number) => {
    const state = buckets.get(claim.key);
    const { burst, rate, periodMs } = claim.bucket;
    return state ? Math.min(burst, state.level + ((t - state.at) * rate) / periodMs) : burst;
  };
  return {
    async take(claims) {
      const t = now();
      const levels = claims.map((claim) => levelOf(claim, t));
      const refused = claims.findIndex((claim, i) => levels[i]! < claim.cost);
      if (refused >= 0) {
        const claim = claims[refused]!;
        return { granted: false, refused, retryAfterMs: waitFor(claim.bucket, levels[refused]!, claim.cost) };
      }
      claims.forEach((claim, i) => buckets.set(claim.key, { level: levels[i]! - claim.cost, at: t }));
      // Bounded: an entry untouched for an hour is dropped (full again for any sane rate, and a
      // full bucket is the same as no entry).
      if (buckets.size > 100_000) for (const [key, state] of buckets) if (t - state.at > 3_600_000) buckets.delete(key);
      return { granted: true };
    },
  };
}

// A bucket is a hash (l: tokens left, t: when, in ms of Redis's clock) that expires once full again.
// One script checks every claim and takes them all or none, on Redis's own clock so replicas with
// skewed clocks agree. ARGV holds burst, tokens per ms and cost for each key in turn.
const takeScript = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local levels = {}
for i, key in ipairs(KEYS) do
  local burst, perMs, cost = tonumber(ARGV[i * 3 - 2]), tonumber(ARGV[i * 3 - 1]), tonumber(ARGV[i * 3])
  local state = redis.call('HMGET', key, 'l', 't')
  local level = burst
  if state[1] then level = math.min(burst, tonumber(state[1]) + (now - tonumber(state[2])) * perMs) end
  if cost > burst then return { 0, i, math.ceil(burst / perMs) } end
  if level < cost then return { 0, i, math.ceil((cost - level) / perMs) } end
  levels[i] = level
end
for i, key in ipairs(KEYS) do
  local burst, perMs, cost = tonumber(ARGV[i * 3 - 2]), tonumber(ARGV[i * 3 - 1]), tonumber(ARGV[i * 3])
  local left = levels[i] - cost
  redis.call('HSET', key, 'l', tostring(left), 't', now)
  redis.call('PEXPIRE', key, math.ceil((burst - left) / perMs) + 1000)
end
return { 1, 0, 0 }`;

/**
 * Buckets on Redis, shared by every replica. Fails closed like the fixed-window limiter: when Redis
 * cannot answer within `timeoutMs`, `take` throws SERVICE_UNAVAILABLE and the caller decides.
 * All of one call's keys should share a hash tag (`{caller}`) so a Redis Cluster keeps them together.
 */
export function createRedisTokenBuckets(redis: Redis, options: RedisRateLimiterOptions = {}): TokenBuckets {
  const { prefix = defaultRateLimitPrefix, timeoutMs = 1000 } = options;
  const run = luaScript(redis, takeScript);
  return {
    async take(claims) {
      const keys = claims.map((claim) => prefix + claim.key);
      const args = claims.flatMap(({ bucket, cost }) => [bucket.burst, bucket.rate / bucket.periodMs, cost]);
      const [granted, index, waitMs] = await boundedCall(
        redis,
        timeoutMs,
        () => run(keys, args) as Promise<[number, number, number]>,
      );
      return granted === 1 ? { granted: true } : { granted: false, refused: index - 1, retryAfterMs: Math.max(1, waitMs) };
    },
  };
}

const periodUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Reads a bucket setting: `<rate>/<period>` with an optional ` burst <n>` (default: the rate), the
 * period a number and a unit (`ms`, `s`, `m`, `h`; the number may be left out: `20/s`), e.g.
 * `20/s burst 100`, `10/h`. `off` (or `0`) means no limit and reads as `null`.
 */
export function parseTokenBucket(text: string): TokenBucket | null {
  const value = text.trim();
  if (value === 'off' || value === '0') return null;
  const match = /^(\d+)\s*\/\s*(\d*)\s*(ms|s|m|h)(?:\s+burst\s+(\d+))?$/.exec(value);
  if (!match)
    throw new Error(`"${text}" is not a rate limit: write <requests>/<period>[ burst <n>], e.g. "20/s burst 100", or "off"`);
  const rate = Number(match[1]);
  const periodMs = Number(match[2] || 1) * periodUnits[match[3]!]!;
  const burst = match[4] === undefined ? rate : Number(match[4]);
  if (rate < 1 || periodMs < 1 || burst < 1) throw new Error(`"${text}": rate, period and burst must be positive`);
  return { rate, periodMs, burst };
}
