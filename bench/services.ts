/**
 * What the scenarios of `npm run bench` share: the services mode on fresh bench databases (the six
 * subgraphs and the router as processes, on the machine's PostgreSQL and Redis), this run's Redis
 * namespace, the processes by name for CPU figures, an HTTP load, and the cleanups run at the end.
 */
import type { ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import { adminPortOf } from '#kit/config';
import { subgraphNames, type SubgraphName } from '../stack/src/topology.ts';
import { ensureDatabase, dropDatabase, migrate, migrationsDir } from '#kit/database';
import { createLogger } from '#kit/logger';
import { dropRedisNamespace } from '#kit/testing';
import { startTestS3 } from '../subgraphs/documents/src/index.ts';
import { seedDemoData } from '../stack/src/seed.ts';
import { servicesEnv } from '../stack/src/services-env.ts';
import { waitHealthy } from '#kit/wait-healthy';
import { benchRateLimits } from './router-limits.ts';
import { cpuOfCommand, cpuSeconds, node } from './processes.ts';

/** Seconds per measured run, and HTTP connections of a load (BENCH_SECONDS, BENCH_CONNECTIONS). */
export const seconds = Number(process.env.BENCH_SECONDS ?? 20);
export const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
export const postgres = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The router listens here, the subgraphs on the next ports (in `subgraphNames` order). */
export const base = 31_000;
// Fresh streams per run: a previous run's consumer groups and backlog must not leak into this one.
export const eventsNamespace = `bench-${process.pid}`;

/** The processes a scenario started, by name (`router`, each subgraph, ...): whose CPU `cpuSnapshot` reads. */
export const named = new Map<string, ChildProcess>();

/** CPU seconds used so far by each named process, PostgreSQL and Redis. */
export const cpuSnapshot = () =>
  new Map([
    ...[...named].map(([name, child]) => [name, cpuSeconds(child.pid!)] as const),
    ['postgres', cpuOfCommand('postgres')] as const,
    ['redis', cpuOfCommand('redis-server')] as const,
  ]);

/** `duration` s of POSTs of `body` to `url`/graphql on `connections` connections; any non-2xx or error throws. */
export async function load(url: string, body: string, token: string | undefined, duration: number) {
  const result = await autocannon({
    url: `${url}/graphql`,
    method: 'POST',
    connections,
    duration,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, total: result.requests.total };
}

/** Deletes this run's Redis keys (event streams, consumer groups, job queues: all under `eventsNamespace`). */
export const dropNamespace = () => dropRedisNamespace(eventsNamespace, redisUrl);

/** `meridian_bench_<subgraph>`, dropped if a previous run left it, created and migrated; returns its URL. */
export async function freshBenchDatabase(subgraph: SubgraphName): Promise<string> {
  const url = `${postgres}/meridian_bench_${subgraph}`;
  await dropDatabase(url);
  await ensureDatabase(url);
  await migrate(url, migrationsDir(subgraph));
  return url;
}

/** The services mode on fresh bench databases with the demo data; returns the router's URL and process. */
export async function startServices() {
  const urls = {} as Record<SubgraphName, string>;
  for (const name of subgraphNames) urls[name] = await freshBenchDatabase(name);
  const s3 = await startTestS3();
  await seedDemoData(urls, s3.config, createLogger('seed', 'silent'));

  // servicesEnv adds each subgraph's URL and the JWKS URL from the ports.
  const env = servicesEnv({
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    REDIS_URL: redisUrl,
    EVENTS_NAMESPACE: eventsNamespace,
    // The rate-limit check runs on every request (its cost is part of the figures), with buckets too
    // wide for the load to meet, in this run's namespace (the keys expire by themselves).
    // BENCH_RATE_LIMITS=off runs without them, to measure what they cost.
    ROUTER_RATE_LIMIT_PREFIX: `${eventsNamespace}:router-limits:`,
    ...benchRateLimits(),
    ...Object.fromEntries(
      subgraphNames.flatMap((name, i) => [
        [`${name.toUpperCase()}_PORT`, String(base + 1 + i)],
        [`${name.toUpperCase()}_DATABASE_URL`, urls[name]],
      ]),
    ),
  });
  for (const name of ['auth', ...subgraphNames.filter((n) => n !== 'auth')]) {
    named.set(name, node(`subgraphs/${name}/src/main.ts`, [], env));
    if (name === 'auth') await waitHealthy(`http://127.0.0.1:${base + 2}/health`);
  }
  for (const name of subgraphNames) await waitHealthy(`http://127.0.0.1:${base + 1 + subgraphNames.indexOf(name)}/health`);
  const router = node('router/src/main.ts', ['--port', String(base)], env);
  named.set('router', router);
  if (process.env.BENCH_VERBOSE) console.log(`router pid ${router.pid}`);
  await waitHealthy(`http://127.0.0.1:${base}/health`);
  await new Promise((r) => setTimeout(r, 1500));
  cleanups.push(async () => {
    await s3.stop();
    for (const name of subgraphNames) await dropDatabase(urls[name]);
    await dropNamespace();
  });
  // The router's /metrics is on its admin port (ROUTER_ADMIN_PORT, by default 1000 above its own).
  return { routerUrl: `http://127.0.0.1:${base}`, adminUrl: `http://127.0.0.1:${adminPortOf(base)}`, router, urls, env };
}

/** What the scenario leaves behind (databases, Redis keys, files): run after its processes have stopped. */
export const cleanups: (() => Promise<void>)[] = [];
