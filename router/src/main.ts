/**
 * `node dist/router/src/main.js [--supergraph <file>] [--port <n>]` (from the sources: `tsx router/src/main.ts …`)
 * serves any composed supergraph file.
 * Flags win over the environment (SUPERGRAPH_PATH, ROUTER_PORT); see README for every variable.
 */
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { z } from 'zod';
import { createLogger } from '#kit/logger';
import {
  adminPortOf,
  adminPortSetting,
  corsOriginsSetting,
  proxyListSetting,
  readCommonConfig,
  stopOnSignals,
} from '#kit/config';
import { defaultSupergraphFile } from './supergraph-file.ts';
import { defaultDocumentLimits as limits } from './document-limits.ts';
import { defaultSubgraphTimeoutMs, startRouter } from './router.ts';
import { defaultTrustedDocumentsMode, trustedDocumentsModes } from './trusted-documents.ts';
import { defaultBreakerFailures, defaultBreakerHalfOpenAfterMs } from './execution/subgraph-breakers.ts';
import { defaultRateLimits, fieldBudgetsOf } from './rate-limits.ts';
import { connectRedis } from '#kit/process';
import { createRedisTokenBuckets, parseTokenBucket, type TokenBucket } from '#kit/rate-limiter';
import { defaultDemandControl } from './demand-control.ts';

// Under load the router's live heap is small (~40 MB on the federation benchmark) and its garbage
// rate high: V8's default lets the old space grow up to 4x between full collections, which is
// where the peak RSS comes from. At most 2x halves the peak (352 -> 246 MiB) for ~2 % more CPU per
// request (BENCHMARKS.md). ROUTER_HEAP_GROWING_PERCENT overrides it (0 = V8's default).
setFlagsFromString(`--heap-growing-percent=${Number(process.env.ROUTER_HEAP_GROWING_PERCENT ?? 100)}`);

const { values: flags } = parseArgs({
  options: { supergraph: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } },
});
const env = z
  .object({
    SUPERGRAPH_PATH: z.string().default(defaultSupergraphFile),
    ROUTER_PORT: z.coerce.number().int().nonnegative().default(4000),
    ROUTER_HOST: z.string().default('127.0.0.1'),
    ROUTER_INTROSPECTION: z.enum(['true', 'false']).optional(),
    ROUTER_MAX_TOKENS: z.coerce.number().int().positive().default(limits.maxTokens),
    ROUTER_MAX_DEPTH: z.coerce.number().int().positive().default(limits.maxDepth),
    ROUTER_MAX_SELECTIONS: z.coerce.number().int().positive().default(limits.maxSelections),
    ROUTER_MAX_ALIASES: z.coerce.number().int().nonnegative().default(limits.maxAliases),
    ROUTER_MAX_FRAGMENT_SPREADS: z.coerce.number().int().nonnegative().default(limits.maxFragmentSpreads),
    ROUTER_MAX_ROOT_FIELDS: z.coerce.number().int().positive().default(limits.maxRootFields),
    ROUTER_MAX_DIRECTIVES: z.coerce.number().int().nonnegative().default(limits.maxDirectives),
    ROUTER_MAX_COST: z.coerce.number().positive().default(defaultDemandControl.maxCost),
    ROUTER_DEFAULT_LIST_SIZE: z.coerce.number().int().nonnegative().default(defaultDemandControl.defaultListSize),
    ROUTER_COST_IN_RESPONSES: z.enum(['true', 'false']).optional(),
    ROUTER_MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(256 * 1024),
    ROUTER_TRUSTED_PROXIES: proxyListSetting(''),
    ROUTER_WS_KEEPALIVE_MS: z.coerce.number().int().positive().default(30_000),
    ROUTER_WS_MAX_BUFFERED_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(1024 * 1024),
    ROUTER_WS_MAX_SUBSCRIPTIONS: z.coerce.number().int().positive().default(100),
    ROUTER_SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().positive().default(defaultSubgraphTimeoutMs),
    ROUTER_DEDUP: z.enum(['true', 'false']).default('true'),
    ROUTER_CORS_ORIGINS: corsOriginsSetting.optional(),
    ROUTER_CORS_CREDENTIALS: z.enum(['true', 'false']).default('false'),
    ROUTER_CORS_MAX_AGE: z.coerce.number().int().nonnegative().default(600),
    ROUTER_ADMIN_PORT: adminPortSetting,
    ROUTER_ADMIN_HOST: z.string().default('127.0.0.1'),
    ROUTER_TRUSTED_DOCUMENTS: z
      .enum([...trustedDocumentsModes, ''])
      .optional()
      .transform((mode) => mode || undefined),
    ROUTER_TRUSTED_DOCUMENTS_PATH: z
      .string()
      .optional()
      .transform((path) => path || undefined),
    ROUTER_BREAKER_FAILURES: z.coerce.number().int().positive().default(defaultBreakerFailures),
    ROUTER_BREAKER_HALF_OPEN_AFTER_MS: z.coerce.number().int().positive().default(defaultBreakerHalfOpenAfterMs),
    ROUTER_RATE_LIMIT_USER: z.string().optional(),
    ROUTER_RATE_LIMIT_ANONYMOUS: z.string().optional(),
    ROUTER_RATE_LIMIT_MUTATIONS: z.string().default(''),
    ROUTER_RATE_LIMIT_PREFIX: z.string().min(1).default('meridian:router-limits:'),
  })
  .parse(process.env);
const common = readCommonConfig(process.env);
const logger = createLogger('router', common.logLevel);

// `<NAME>_URL` overrides a subgraph's routing URL from the supergraph (e.g. container host names).
// The supergraph names the subgraphs: the router looks up only those, so no list of them is needed
// here (other `*_URL` variables, REDIS_URL or AUTH_JWKS_URL, name no subgraph).
const subgraphUrls = Object.fromEntries(
  Object.entries(process.env).flatMap(([key, url]) => {
    const name = /^(.+)_URL$/.exec(key)?.[1];
    return name && url ? [[name.toLowerCase(), url]] : [];
  }),
);

const port = flags.port ? Number(flags.port) : env.ROUTER_PORT;
const trustedDocumentsPath = env.ROUTER_TRUSTED_DOCUMENTS_PATH;
const trustedDocumentsMode = env.ROUTER_TRUSTED_DOCUMENTS ?? defaultTrustedDocumentsMode(common.production, trustedDocumentsPath);
if (common.production && !trustedDocumentsPath) {
  logger.warn('no trusted documents manifest (ROUTER_TRUSTED_DOCUMENTS_PATH): any operation is served');
}
// REDIS_URL (set in services mode): every replica on one Redis shares the buckets. Unset: this process's memory.
const redis = common.redisUrl ? connectRedis(common.redisUrl, logger.child({ component: 'rate-limits' })) : undefined;
// An unset or empty bucket variable keeps its default; `off` drops the limit.
const bucketOf = (value: string | undefined, fallback: TokenBucket | null) => (value ? parseTokenBucket(value) : fallback);
const rateLimits = {
  user: bucketOf(env.ROUTER_RATE_LIMIT_USER, defaultRateLimits.user),
  anonymous: bucketOf(env.ROUTER_RATE_LIMIT_ANONYMOUS, defaultRateLimits.anonymous),
  fields: fieldBudgetsOf(env.ROUTER_RATE_LIMIT_MUTATIONS, defaultRateLimits.fields),
  shared: redis && createRedisTokenBuckets(redis, { prefix: env.ROUTER_RATE_LIMIT_PREFIX }),
};

const router = await startRouter({
  supergraphPath: flags.supergraph ?? env.SUPERGRAPH_PATH,
  port,
  host: flags.host ?? env.ROUTER_HOST,
  production: common.production,
  introspection: env.ROUTER_INTROSPECTION ? env.ROUTER_INTROSPECTION === 'true' : undefined,
  limits: {
    maxTokens: env.ROUTER_MAX_TOKENS,
    maxDepth: env.ROUTER_MAX_DEPTH,
    maxSelections: env.ROUTER_MAX_SELECTIONS,
    maxAliases: env.ROUTER_MAX_ALIASES,
    maxFragmentSpreads: env.ROUTER_MAX_FRAGMENT_SPREADS,
    maxRootFields: env.ROUTER_MAX_ROOT_FIELDS,
    maxDirectives: env.ROUTER_MAX_DIRECTIVES,
  },
  cost: {
    maxCost: env.ROUTER_MAX_COST,
    defaultListSize: env.ROUTER_DEFAULT_LIST_SIZE,
    report: env.ROUTER_COST_IN_RESPONSES ? env.ROUTER_COST_IN_RESPONSES === 'true' : !common.production,
  },
  maxBodyBytes: env.ROUTER_MAX_BODY_BYTES,
  tokens: common.tokens,
  subgraphUrls,
  trustedProxies: env.ROUTER_TRUSTED_PROXIES,
  subgraphTimeoutMs: env.ROUTER_SUBGRAPH_TIMEOUT_MS,
  dedup: env.ROUTER_DEDUP === 'true',
  // Unset or empty: the default for the mode (localhost in development, none in production).
  cors: {
    origins: env.ROUTER_CORS_ORIGINS?.length ? env.ROUTER_CORS_ORIGINS : undefined,
    credentials: env.ROUTER_CORS_CREDENTIALS === 'true',
    maxAgeSeconds: env.ROUTER_CORS_MAX_AGE,
  },
  admin: { port: env.ROUTER_ADMIN_PORT ?? adminPortOf(port), host: env.ROUTER_ADMIN_HOST },
  breaker: { failures: env.ROUTER_BREAKER_FAILURES, halfOpenAfterMs: env.ROUTER_BREAKER_HALF_OPEN_AFTER_MS },
  websocket: {
    keepAliveMs: env.ROUTER_WS_KEEPALIVE_MS,
    maxBufferedBytes: env.ROUTER_WS_MAX_BUFFERED_BYTES,
    maxSubscriptionsPerConnection: env.ROUTER_WS_MAX_SUBSCRIPTIONS,
  },
  trustedDocuments: { mode: trustedDocumentsMode, path: trustedDocumentsPath },
  rateLimits,
  logger,
});
stopOnSignals(
  async () => {
    await router.stop();
    redis?.disconnect();
  },
  (message) => logger.info(message),
);
