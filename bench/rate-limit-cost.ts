/**
 * `npx tsx bench/rate-limit-cost.ts`: what the router's rate-limit check costs per request, in CPU
 * time of the router process (the measure that matters on a loaded machine, unlike wall time):
 * N checks of a signed-in query against Redis buckets (services mode) and in-process ones
 * (embedded mode), 16 at a time as under load. Redis keys under a namespace of this run, dropped.
 */
import { randomUUID } from 'node:crypto';
import { parse, getOperationAST } from 'graphql';
import { Redis } from 'ioredis';
import { createLogger } from '#kit/logger';
import { createRedisTokenBuckets } from '#kit/rate-limiter';
import { dropRedisNamespace, testRedisUrl } from '#kit/testing';
import { createRateLimits, defaultRateLimits, type RateLimitSettings } from '../router/src/rate-limits.ts';

const checks = Number(process.env.BENCH_CHECKS ?? 20_000);
const concurrency = 16;
const namespace = `bench-rate-limits-${randomUUID()}`;
const redis = new Redis(testRedisUrl);
const wide = { rate: 1_000_000, periodMs: 1000, burst: 1_000_000 };
const document = parse('{ me { displayName orders(first: 5) { edges { node { id } } } } }');
const mutation = parse('mutation ($i: PlaceOrderInput!) { a: placeOrder(input: $i, idempotencyKey: "a") { id } }');
const viewer = { id: randomUUID(), roles: [], scopes: [], isAdmin: false, token: '' } as never;

async function measure(name: string, settings: RateLimitSettings, doc = document) {
  const limits = createRateLimits(settings, createLogger('bench', 'silent'));
  const admission = {
    context: { viewer, clientAddress: '127.0.0.1' },
    document: doc,
    operation: getOperationAST(doc)!,
    variables: {},
  };
  for (let i = 0; i < 1000; i++) await limits.admit(admission); // warm-up
  const cpu = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < checks) if (await limits.admit(admission)) throw new Error('refused');
    }),
  );
  const used = process.cpuUsage(cpu);
  const wall = performance.now() - started;
  const cpuUs = (used.user + used.system) / checks;
  console.log(
    `${name.padEnd(44)} ${cpuUs.toFixed(1).padStart(6)} µs CPU per check, ${((checks / wall) * 1000).toFixed(0)} checks/s`,
  );
}

try {
  const shared = createRedisTokenBuckets(redis, { prefix: `${namespace}:` });
  await measure('query, Redis buckets (services mode)', { user: wide, anonymous: wide, fields: {}, shared });
  await measure('query, in-process buckets (embedded mode)', { user: wide, anonymous: wide, fields: {} });
  const fields = Object.fromEntries(Object.keys(defaultRateLimits.fields).map((f) => [f, wide]));
  await measure('placeOrder mutation, Redis (2 buckets)', { user: wide, anonymous: wide, fields, shared }, mutation);
} finally {
  await redis.quit();
  await dropRedisNamespace(namespace);
}
