/**
 * Service configuration from environment variables, validated once at start. Only `main.ts` files
 * call these, passing `process.env`; everything below them receives plain values.
 */
import { z } from 'zod';
import type { TokenSettings } from './auth.js';
import { trustedProxies } from './client-address.js';
import { corsOriginMatcher } from './cors.js';

/**
 * A subgraph as its composition root names it: `name` prefixes its settings (`ORDERS_PORT`, …) and
 * `defaultPort` is where it listens unless `<NAME>_PORT` says otherwise. The kit knows no list of
 * subgraphs: the stack does (stack/src/topology.ts).
 */
export interface SubgraphIdentity {
  name: string;
  defaultPort: number;
}

export type Env = Record<string, string | undefined>;

const int = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);

/**
 * A comma-separated setting as a list of its non-empty entries, handed to `check` (which throws,
 * naming the bad entry): checked here, at start, so a bad entry stops the process with it named.
 */
const checkedList = (check: (entries: string[]) => unknown) => (value: string, ctx: z.RefinementCtx) => {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  try {
    check(entries);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
  return entries;
};

/** A comma-separated list of proxy addresses and CIDR ranges (see `trustedProxies`), as a list. */
export const proxyListSetting = (fallback: string) => z.string().default(fallback).transform(checkedList(trustedProxies));

/** A comma-separated list of browser origins (see cors.ts), as a list. */
export const corsOriginsSetting = z.string().transform(checkedList((entries) => entries.forEach(corsOriginMatcher)));

/**
 * The admin port (`/metrics`) of a router or subgraph on `port` when ROUTER_ADMIN_PORT (or
 * `<NAME>_ADMIN_PORT`) is unset: 1000 above it (4000 -> 5000, orders 4004 -> 5004), so services side
 * by side on one machine each get their own; any free one for port 0.
 */
export const adminPortOf = (port: number) => (port === 0 ? 0 : port + 1000);

/** Settings every process shares. */
export interface CommonConfig {
  production: boolean;
  logLevel: string;
  tokens: TokenSettings & { jwksUrl: string };
  redisUrl: string | undefined;
  /** Event bus tuning (services mode); defaults apply when absent. */
  events?: EventsConfig;
}

export interface EventsConfig {
  /** Prefix of the Redis stream keys, so several stacks can share one Redis (tests, staging). */
  namespace: string;
  /** How long an entry taken by a consumer may stay unacknowledged before another consumer takes it over. */
  claimIdleMs: number;
}

export interface SubgraphConfig extends CommonConfig {
  name: string;
  port: number;
  host: string;
  databaseUrl: string;
  databasePoolMax: number;
  maxBodyBytes: number;
  /**
   * Peers allowed to name the client in `x-forwarded-for` (the routers' addresses or CIDR ranges).
   * Default: loopback.
   */
  trustedProxies?: string[];
  /** The operators' listener (`/metrics`), never served on `port`; `port: 0` picks a free one. */
  admin: { port: number; host: string };
}

export function readCommonConfig(env: Env): CommonConfig {
  const parsed = z
    .object({
      NODE_ENV: z.string().default('development'),
      LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      // The auth subgraph on its default port (4002) on this machine, as `npm run start:services` runs it.
      AUTH_JWKS_URL: z.string().url().default('http://localhost:4002/.well-known/jwks.json'),
      JWT_ISSUER: z.string().min(1).default('meridian-auth'),
      JWT_AUDIENCE: z.string().min(1).default('meridian'),
      REDIS_URL: z.string().url().optional(),
      EVENTS_NAMESPACE: z
        .string()
        .regex(/^[\w.-]{1,64}$/)
        .default('meridian'),
      EVENTS_CLAIM_IDLE_MS: int(15_000),
    })
    .parse(env);
  return {
    production: parsed.NODE_ENV === 'production',
    logLevel: parsed.LOG_LEVEL,
    tokens: { jwksUrl: parsed.AUTH_JWKS_URL, issuer: parsed.JWT_ISSUER, audience: parsed.JWT_AUDIENCE },
    redisUrl: parsed.REDIS_URL,
    events: { namespace: parsed.EVENTS_NAMESPACE, claimIdleMs: parsed.EVENTS_CLAIM_IDLE_MS },
  };
}

/** An optional setting where an empty value (`ORDERS_ADMIN_PORT=` in a .env file) means unset. */
const unsetWhenEmpty = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

/** An admin port setting (`ROUTER_ADMIN_PORT`, `<NAME>_ADMIN_PORT`): empty or unset means the default, {@link adminPortOf}. */
export const adminPortSetting = unsetWhenEmpty(z.coerce.number().int().nonnegative().max(65_535));

/**
 * Reads `<NAME>_PORT`, `<NAME>_DATABASE_URL`, `<NAME>_ADMIN_PORT` (default: the port + 1000),
 * `<NAME>_ADMIN_HOST` (default: `ADMIN_HOST`, else loopback) and the shared settings of one subgraph.
 */
export function readSubgraphConfig({ name, defaultPort }: SubgraphIdentity, env: Env): SubgraphConfig {
  const prefix = name.toUpperCase();
  const parsed = z
    .object({
      [`${prefix}_PORT`]: int(defaultPort),
      [`${prefix}_DATABASE_URL`]: z.string().url({ message: `${prefix}_DATABASE_URL must be a postgres:// URL` }),
      [`${prefix}_ADMIN_PORT`]: adminPortSetting,
      [`${prefix}_ADMIN_HOST`]: unsetWhenEmpty(z.string()),
      HOST: z.string().default('127.0.0.1'),
      // Not HOST: the public interface being open says nothing about who may read the metrics.
      ADMIN_HOST: unsetWhenEmpty(z.string()),
      DATABASE_POOL_MAX: int(10),
      MAX_BODY_BYTES: int(1_000_000),
      TRUSTED_PROXIES: proxyListSetting('127.0.0.1,::1,::ffff:127.0.0.1'),
    })
    .parse(env) as Record<string, unknown>;
  const port = parsed[`${prefix}_PORT`] as number;
  return {
    ...readCommonConfig(env),
    name,
    port,
    host: parsed.HOST as string,
    databaseUrl: parsed[`${prefix}_DATABASE_URL`] as string,
    databasePoolMax: parsed.DATABASE_POOL_MAX as number,
    maxBodyBytes: parsed.MAX_BODY_BYTES as number,
    trustedProxies: parsed.TRUSTED_PROXIES as string[],
    admin: {
      port: (parsed[`${prefix}_ADMIN_PORT`] as number | undefined) ?? adminPortOf(port),
      host: (parsed[`${prefix}_ADMIN_HOST`] ?? parsed.ADMIN_HOST ?? '127.0.0.1') as string,
    },
  };
}

/** Stops `stop` on SIGINT/SIGTERM, then exits; a second signal exits at once. */
export function stopOnSignals(stop: () => Promise<void>, log: (message: string) => void = console.log): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    log(`${signal} received, stopping`);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
