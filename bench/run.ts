/**
 * `npm run bench [router|auth|saga|documents|subscriptions|gateway]` — load scenarios against the services mode on the machine's PostgreSQL
 * and Redis (gateway: on a subgraph process of its own). Each scenario prints its figures; BENCHMARKS.md records them with the command.
 *
 * router: the issue's cross-subgraph `me` query (users, auth, orders, inventory, payments,
 *   documents) through the Meridian router and through a plain @apollo/gateway (bench/peers) on the same six
 *   subgraph processes: requests/s, p50/p99 latency, and the router's peak RSS.
 * auth: logins/s through the router, and the router's CPU per request with and without a bearer
 *   token (what JWT verification costs), plus the bare verification time.
 * saga: orders placed through the router at a fixed rate (BENCH_RATE, default 200/s, or a list
 *   such as 40,80,200) by many customers, each followed to CONFIRMED on the order.updated stream:
 *   orders/s to CONFIRMED and p50/p99 from sending placeOrder to CONFIRMED, plus CPU per order of
 *   every process (PostgreSQL and Redis included).
 * documents: one worker process (`subgraphs/documents/src/worker.ts`, BullMQ on Redis, concurrency
 *   WORKER_CONCURRENCY, default 2) and a batch of jobs submitted at once (BENCH_JOBS, default 40):
 *   ~1 MB text PDFs, then receipt images by OCR; jobs/min and p50/p99 from submit to COMPLETED.
 * subscriptions: ONE router holding BENCH_SUBSCRIPTIONS (10,000) `orderUpdated` subscriptions from a
 *   separate subscriber process (bench/live-clients.ts; BENCH_SUBS_PER_CONNECTION per WebSocket,
 *   default 1), and BENCH_EVENT_RATE (1,000) `order.updated` events/s for BENCH_SECONDS (10): memory
 *   per open subscription, event -> client latency p50/p99, delivered events/s, lost events.
 *   BENCH_HEAP_SNAPSHOTS=<dir> also writes heap snapshots of the router and orders with 0 and all
 *   subscriptions open (compare them with `npx tsx bench/heap-diff.ts`; their cost shows in the RSS figures).
 * gateway (bench/gateway.ts): the Guild's public federation-gateway benchmark replayed here, on the data of
 *   ../shared/bench/guild-federation: its nested TestQuery (87.6 KB answer) over four subgraphs served by ONE
 *   lean local process (bench/guild/subgraphs.ts), BENCH_CONNECTIONS (50) connections, 5 s warm-up then
 *   BENCH_SECONDS (20) measured per gateway, one gateway at a time: the Meridian router (default, then
 *   ROUTER_DEDUP=false), plain @apollo/gateway and Hive Gateway with its Rust query planner (both from
 *   bench/peers, installed on first use with `npm ci --prefix bench/peers`). Every answer is checked against
 *   the expected response. Per gateway: requests/s, p50/p99, CPU ms per request and peak RSS of the gateway
 *   process, and the CPU per request of the subgraphs and of the load client. BENCH_GATEWAYS=meridian,hive
 *   runs a subset.
 *
 * Every scenario stops its processes, drops its bench databases and deletes its Redis keys at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import {
  createJwksVerifier,
  createLogger,
  defaultRateLimitPrefix,
  ensureDatabase,
  dropDatabase,
  migrate,
  migrationsDir,
  subgraphNames,
  type SubgraphName,
} from '#kit';
import { createBullJobQueue, createObjectStore } from '#kit';
import { dropRedisNamespace, eventually, postGraphQL, putUpload, startTestS3 } from '#kit/testing';
import { adminPortOf } from '#kit/config';
import { createAccountStore, createAuthDb } from '../subgraphs/auth/src/adapters/prisma-account-store.ts';
import { createPasswordHasher } from '../subgraphs/auth/src/adapters/password-hasher.ts';
import { createDocumentStore, createDocumentsDb } from '../subgraphs/documents/src/adapters/prisma-document-store.ts';
import { createDocumentUpload, submitDocument } from '../subgraphs/documents/src/app/upload-document.ts';
import { documentJobsQueue } from '../subgraphs/documents/src/subgraph.ts';
import { textPdf } from '../subgraphs/documents/test-fixtures/text-pdf.ts';
import { demoPassword } from '../packages/stack/src/demo-data.ts';
import { metricsOf, openSubscriptions } from '../packages/stack/src/live-client.ts';
import { build } from '../packages/stack/src/build.ts';
import { seedDemoData } from '../packages/stack/src/seed.ts';
import { servicesEnv } from '../packages/stack/src/services-env.ts';
import { loginAs, meQuery, mintAccessTokens } from '../packages/stack/src/test-stack.ts';
import { demoProducts, demoWarehouses } from '../packages/stack/src/demo-data.ts';
import { waitHealthy } from '../packages/stack/src/wait-healthy.ts';
import pg from 'pg';
import type { ClientAnswer, ClientCommand } from './live-clients.ts';
import { forGateway } from '../router/src/supergraph-file.ts';
import { ensurePeers, gatewayScenario, waitAnswering } from './gateway.ts';
import { benchRateLimits } from './router-limits.ts';
import {
  children,
  cpuOfCommand,
  cpuSeconds,
  machineCpu,
  node,
  peakRssMiB,
  pct,
  root,
  spawnNode,
  rssKiB,
  stopChildren,
} from './processes.ts';

const scenario = process.argv[2] ?? 'router';
const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
const postgres = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const base = 31_000;
// Fresh streams per run: a previous run's consumer groups and backlog must not leak into this one.
const eventsNamespace = `bench-${process.pid}`;

const named = new Map<string, ChildProcess>();

const cpuSnapshot = () =>
  new Map([
    ...[...named].map(([name, child]) => [name, cpuSeconds(child.pid!)] as const),
    ['postgres', cpuOfCommand('postgres')] as const,
    ['redis', cpuOfCommand('redis-server')] as const,
  ]);

async function load(url: string, body: string, token: string | undefined, duration: number) {
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
const dropNamespace = () => dropRedisNamespace(eventsNamespace, redisUrl);

/** The services mode on fresh bench databases with the demo data; returns the router's URL and process. */
async function startServices() {
  const urls = Object.fromEntries(subgraphNames.map((n) => [n, `${postgres}/meridian_bench_${n}`])) as Record<
    SubgraphName,
    string
  >;
  for (const name of subgraphNames) {
    await dropDatabase(urls[name]);
    await ensureDatabase(urls[name]);
    await migrate(urls[name], migrationsDir(name));
  }
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

async function routerScenario() {
  ensurePeers();
  const { routerUrl, router, env } = await startServices();
  // The plain gateway reads the supergraph as the router hands it to @apollo/gateway.
  const dir = mkdtempSync(join(tmpdir(), 'meridian-bench-router-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'supergraph.graphql'), forGateway(readFileSync(join(root, 'router/supergraph.graphql'), 'utf8')));
  const plain = spawnNode([join(root, 'bench/peers/plain-gateway.js'), join(dir, 'supergraph.graphql'), String(base + 100)], env);
  named.set('plain-gateway', plain);
  const plainUrl = `http://127.0.0.1:${base + 100}`;
  const token = await loginAs(routerUrl);
  const body = JSON.stringify({ query: meQuery });
  await waitAnswering(`${plainUrl}/graphql`, JSON.stringify({ query: '{ __typename }' }), plain);

  console.log(
    `scenario router: me query over 6 subgraphs, ${connections} connections, ${seconds} s per run, 3 runs each, interleaved, median shown`,
  );
  await load(routerUrl, body, token, 3); // warm-up (JIT, JWKS caches, connection pools)
  await load(plainUrl, body, token, 3);
  const runs: { router: Awaited<ReturnType<typeof load>>[]; plain: Awaited<ReturnType<typeof load>>[] } = {
    router: [],
    plain: [],
  };
  const cpuPerRequest = new Map<string, number>();
  for (let i = 0; i < 3; i += 1) {
    const before = cpuSnapshot();
    const run = await load(routerUrl, body, token, seconds);
    runs.router.push(run);
    if (i === 0) for (const [name, cpu] of cpuSnapshot()) cpuPerRequest.set(name, ((cpu - before.get(name)!) * 1000) / run.total);
    const beforePlain = cpuSnapshot();
    const plainRun = await load(plainUrl, body, token, seconds);
    runs.plain.push(plainRun);
    if (i === 0) {
      const used = cpuSeconds(named.get('plain-gateway')!.pid!) - beforePlain.get('plain-gateway')!;
      cpuPerRequest.set('plain-gateway (own run)', (used * 1000) / plainRun.total);
    }
  }
  // The median run by throughput: two cores shared by eight processes make single runs noisy.
  const median = (xs: { rps: number; p50: number; p99: number }[]) =>
    [...xs].sort((a, b) => a.rps - b.rps)[Math.floor(xs.length / 2)]!;
  const r = median(runs.router);
  const p = median(runs.plain);
  const fmt = (x: { rps: number; p50: number; p99: number }) =>
    `${x.rps.toFixed(0).padStart(6)} req/s   p50 ${String(x.p50).padStart(4)} ms   p99 ${String(x.p99).padStart(4)} ms`;
  console.log(`meridian router       ${fmt(r)}`);
  console.log(`plain @apollo/gateway ${fmt(p)}`);
  console.log(
    `router throughput vs plain gateway: ${((r.rps / p.rps) * 100).toFixed(1)}% (cost ${((1 - r.rps / p.rps) * 100).toFixed(1)}%)`,
  );
  console.log(
    `peak RSS: router ${peakRssMiB(router.pid!)} MiB, plain gateway ${peakRssMiB(named.get('plain-gateway')!.pid!)} MiB`,
  );
  console.log(
    `CPU ms per request (subgraphs and router: router run; plain gateway: its own run): ${[...cpuPerRequest]
      .filter(([n]) => n !== 'plain-gateway')
      .map(([n, ms]) => `${n} ${ms.toFixed(1)}`)
      .join(', ')}`,
  );
}

/** `count` customer accounts with the demo password (one hash, as the seed does); their emails. */
async function loginAccounts(authDatabaseUrl: string, count: number): Promise<string[]> {
  const db = createAuthDb(authDatabaseUrl, 1);
  try {
    const accounts = createAccountStore(db);
    const passwordHash = await createPasswordHasher().hash(demoPassword);
    const emails = Array.from({ length: count }, (_, i) => `login${i}@bench.test`);
    for (const email of emails) {
      await accounts.save({ id: randomUUID(), email, displayName: email, passwordHash, roles: ['CUSTOMER'] });
    }
    return emails;
  } finally {
    await db.$disconnect();
  }
}

/** Logins through the router for `duration` s, the accounts taken in turn; every answer must be a session. */
async function loginLoad(url: string, emails: string[], duration: number) {
  let next = 0;
  let refused = 0;
  const result = await autocannon({
    url: `${url}/graphql`,
    method: 'POST',
    connections,
    duration,
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({
            query: 'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }',
            variables: { input: { email: emails[(next += 1) % emails.length], password: demoPassword } },
          }),
        }),
        onResponse: (_status, body) => {
          if (body.includes('"accessToken"')) return;
          refused += 1;
          if (refused === 1) console.error(`a login without a session: ${body}`);
        },
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0 || refused > 0) {
    throw new Error(`logins: ${result.non2xx} non-2xx, ${result.errors} errors, ${refused} answers without a session`);
  }
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

/**
 * auth: login/s through the router (scrypt dominates by design), and what verifying a bearer token
 * costs the router per request: the same anonymous-capable query with and without a token.
 */
async function authScenario() {
  const { routerUrl, router, urls } = await startServices();
  console.log(`scenario auth: ${connections} connections, ${seconds} s per run`);
  // One account per two connections' worth of requests, taken in turn: at most 5 attempts on one
  // account are checked at a time (the rest are refused as RATE_LIMITED, cheaply), so logins that
  // all named Ada would measure refusals.
  const emails = await loginAccounts(urls.auth, connections * 2);
  cleanups.push(async () => {
    const redis = new Redis(redisUrl);
    await redis.del(...emails.map((email) => `${defaultRateLimitPrefix}login:account:${email}`));
    await redis.quit();
  });
  await loginLoad(routerUrl, emails, 3);
  const logins = await loginLoad(routerUrl, emails, seconds);
  console.log(
    `login through the router    ${logins.rps.toFixed(1).padStart(7)} logins/s   p50 ${logins.p50} ms   p99 ${logins.p99} ms`,
  );

  const token = await loginAs(routerUrl);
  const query = JSON.stringify({ query: '{ products(first: 3) { edges { node { name price { amount currency } } } } }' });
  await load(routerUrl, query, token, 3);
  const rows: { label: string; rps: number; p50: number; p99: number; cpuMs: number }[] = [];
  for (let i = 0; i < 3; i += 1) {
    for (const [label, bearer] of [
      ['anonymous', undefined],
      ['with token', token],
    ] as const) {
      const before = cpuSeconds(router.pid!);
      const run = await load(routerUrl, query, bearer, seconds);
      rows.push({ label, ...run, cpuMs: ((cpuSeconds(router.pid!) - before) * 1000) / run.total });
    }
  }
  const medianOf = (label: string, key: 'cpuMs' | 'p50' | 'rps') =>
    rows
      .filter((r) => r.label === label)
      .map((r) => r[key])
      .sort((a, b) => a - b)[1]!;
  for (const label of ['anonymous', 'with token']) {
    console.log(
      `products query, ${label.padEnd(10)}  ${medianOf(label, 'rps').toFixed(0).padStart(6)} req/s   p50 ${medianOf(label, 'p50')} ms   router CPU ${medianOf(label, 'cpuMs').toFixed(2)} ms/request`,
    );
  }
  console.log(
    `token verification overhead at the router: ${(medianOf('with token', 'cpuMs') - medianOf('anonymous', 'cpuMs')).toFixed(2)} ms CPU per request (median of 3 runs each)`,
  );

  // The verification itself, without HTTP: a full ES256 check against the cached JWKS (what a new
  // token costs each hop once), and a repeat of a token already verified (every later request).
  const settings = {
    jwksUrl: `http://127.0.0.1:${base + 2}/.well-known/jwks.json`,
    issuer: 'meridian-auth',
    audience: 'meridian',
  };
  for (const [label, verify] of [
    ['first sight of a token (ES256 verify)', createJwksVerifier({ ...settings, cacheSize: 0 })],
    ['repeat of a verified token (cache)   ', createJwksVerifier(settings)],
  ] as const) {
    await verify(token);
    const n = 5000;
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i += 1) await verify(token);
    console.log(`${label}: ${(Number(process.hrtime.bigint() - started) / 1e3 / n).toFixed(1)} µs per token`);
  }
}

/**
 * saga: an open-loop load (a new order every 1/rate s, whatever the answers) so a saga slower than
 * the rate shows as growing latency instead of hiding behind fewer requests.
 */
async function sagaScenario() {
  // BENCH_RATE=40,80,200 measures each rate in turn on the same services.
  const rates = (process.env.BENCH_RATE ?? '200').split(',').map(Number);
  const { routerUrl, urls } = await startServices();
  const [admin] = await mintAccessTokens(urls.auth, 1, ['CUSTOMER', 'ADMIN']);
  const buyers = await mintAccessTokens(urls.auth, 500);
  const post = (query: string, variables: Record<string, unknown>, token: string) =>
    postGraphQL<Record<string, any>>(routerUrl, query, { token, variables });
  const created = await post(
    'mutation ($input: ProductInput!) { createProduct(input: $input) { id } }',
    { input: { sku: `BENCH-${process.pid}`, name: 'Bench lamp', price: { amount: 1990, currency: 'EUR' } } },
    admin!.token,
  );
  const productId = created.body.data!.createProduct.id as string;
  await post(
    'mutation ($input: StockAdjustmentInput!) { adjustStock(input: $input) { onHand } }',
    { input: { productId, warehouseId: demoWarehouses[0]!.id, delta: 1_000_000, reason: 'bench intake' } },
    admin!.token,
  );

  // Follow every order to its final state on the order.updated stream (as a subscriber would).
  const finished = new Map<string, { at: number; status: string }>();
  const reader = new Redis(redisUrl);
  let reading = true;
  const follow = (async () => {
    let last = '$';
    while (reading) {
      const batch = (await reader.xread(
        'COUNT',
        1000,
        'BLOCK',
        200,
        'STREAMS',
        `${eventsNamespace}:events:order.updated`,
        last,
      )) as [string, [string, string[]][]][] | null;
      const at = performance.now();
      for (const [id, fields] of batch?.[0]?.[1] ?? []) {
        last = id;
        const { payload } = JSON.parse(fields[1]!) as { payload: { orderId: string; status: string } };
        if (payload.status === 'CONFIRMED' || payload.status === 'CANCELLED')
          finished.set(payload.orderId, { at, status: payload.status });
      }
    }
  })();

  const placeOrder =
    'mutation ($input: PlaceOrderInput!, $key: String!) { placeOrder(input: $input, idempotencyKey: $key) { id } }';
  const sent = new Map<string, number>();
  const answerMs: number[] = [];
  let failures = 0;
  const place = async (i: number) => {
    const started = performance.now();
    const result = await post(
      placeOrder,
      { input: { items: [{ productId, quantity: 1 }], paymentMethod: 'tok_visa' }, key: randomUUID() },
      buyers[i % buyers.length]!.token,
    );
    answerMs.push(performance.now() - started);
    const id = result.body.data?.placeOrder?.id as string | undefined;
    if (id) sent.set(id, started);
    else failures += 1;
  };

  const runAt = async (rate: number, count: number) => {
    const started = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < count; i += 1) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inFlight.push(place(i));
    }
    await Promise.all(inFlight);
  };

  console.log(`scenario saga: placeOrder through the router, open loop, ${seconds} s per rate (+ 3 s warm-up), 1 unit, tok_visa`);
  await runAt(rates[0]!, rates[0]! * 3); // warm-up: JIT, pools, token caches
  for (const rate of rates) {
    sent.clear();
    answerMs.length = 0;
    failures = 0;
    const cpuBefore = cpuSnapshot();
    const loadStart = performance.now();
    await runAt(rate, rate * seconds);
    const measured = [...sent];
    const deadline = performance.now() + 60_000;
    while (measured.some(([id]) => !finished.has(id)) && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const cpuAfter = cpuSnapshot();

    const latencies = measured
      .filter(([id]) => finished.get(id)?.status === 'CONFIRMED')
      .map(([id, at]) => finished.get(id)!.at - at)
      .sort((a, b) => a - b);
    const lastConfirmed = Math.max(...measured.map(([id]) => finished.get(id)?.at ?? 0));
    const answers = [...answerMs].sort((a, b) => a - b);
    console.log(
      `offered ${String(rate).padStart(4)}/s: placed ${measured.length} (+${failures} failed), confirmed ${latencies.length}; ` +
        `${((latencies.length * 1000) / (lastConfirmed - loadStart)).toFixed(0)} orders/s to CONFIRMED; ` +
        `placeOrder -> CONFIRMED p50 ${pct(latencies, 50).toFixed(0)} ms p99 ${pct(latencies, 99).toFixed(0)} ms; ` +
        `placeOrder answer p50 ${pct(answers, 50).toFixed(0)} ms p99 ${pct(answers, 99).toFixed(0)} ms`,
    );
    console.log(
      `  CPU ms per order: ${[...cpuAfter]
        .filter(([name]) => name !== 'plain-gateway')
        .map(([name, cpu]) => `${name} ${(((cpu - cpuBefore.get(name)!) * 1000) / measured.length).toFixed(1)}`)
        .join(', ')}`,
    );
  }
  reading = false;
  await follow;
  reader.disconnect();
}

async function documentsScenario() {
  const jobs = Number(process.env.BENCH_JOBS ?? 40);
  const databaseUrl = `${postgres}/meridian_bench_documents`;
  await dropDatabase(databaseUrl);
  await ensureDatabase(databaseUrl);
  await migrate(databaseUrl, migrationsDir('documents'));
  const s3 = await startTestS3();
  cleanups.push(async () => {
    await s3.stop();
    await dropDatabase(databaseUrl);
    await dropNamespace();
  });
  const healthPort = base + 7;
  const worker = node('subgraphs/documents/src/worker.ts', [], {
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    REDIS_URL: redisUrl,
    EVENTS_NAMESPACE: eventsNamespace,
    DOCUMENTS_DATABASE_URL: databaseUrl,
    ...s3.env,
    WORKER_HEALTH_PORT: String(healthPort),
  });
  named.set('worker', worker);
  await waitHealthy(`http://127.0.0.1:${healthPort}/health`);

  const db = createDocumentsDb(databaseUrl, 4);
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = createBullJobQueue(documentJobsQueue, connection, createLogger('bench', 'silent'), { prefix: eventsNamespace });
  const deps = { documents: createDocumentStore(db), objects: createObjectStore(s3.config), queue };
  const concurrency = process.env.WORKER_CONCURRENCY ?? '2';
  console.log(`scenario documents: one worker process (concurrency ${concurrency}), ${jobs} jobs submitted at once per kind`);

  const run = async (label: string, filename: string, contentType: string, body: Buffer, count = jobs) => {
    const uploads = await Promise.all(
      Array.from({ length: count }, async () => {
        const viewer = { id: randomUUID(), roles: ['CUSTOMER' as const], scopes: ['customer'], isAdmin: false, token: '' };
        const upload = await createDocumentUpload(deps, viewer, { filename, contentType, size: body.length });
        const { document } = upload;
        const put = await putUpload(upload, body);
        if (!put.ok) throw new Error(`upload failed: ${put.status}`);
        return { viewer, document };
      }),
    );
    const cpuBefore = cpuSeconds(worker.pid!);
    const started = performance.now();
    const submitted = new Map<string, number>();
    for (const { viewer, document } of uploads) {
      submitted.set((await submitDocument(deps, viewer, document.id)).id, performance.now());
    }
    const done = new Map<string, number>();
    while (done.size < submitted.size && performance.now() - started < 600_000) {
      const rows = await db.documentJob.findMany({
        where: { id: { in: [...submitted.keys()].filter((id) => !done.has(id)) }, status: { in: ['COMPLETED', 'FAILED'] } },
        select: { id: true, status: true, failureReason: true },
      });
      for (const row of rows) {
        if (row.status === 'FAILED') throw new Error(`job failed: ${row.failureReason}`);
        done.set(row.id, performance.now());
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    const elapsed = (Math.max(...done.values()) - started) / 1000;
    const latencies = [...done].map(([id, at]) => at - submitted.get(id)!).sort((a, b) => a - b);
    console.log(
      `${label.padEnd(34)} ${done.size}/${count} COMPLETED in ${elapsed.toFixed(1)} s: ${((done.size * 60) / elapsed).toFixed(0)} jobs/min; ` +
        `submit -> COMPLETED p50 ${(pct(latencies, 50) / 1000).toFixed(2)} s p99 ${(pct(latencies, 99) / 1000).toFixed(2)} s ` +
        `(includes the wait behind the batch); worker CPU ${(((cpuSeconds(worker.pid!) - cpuBefore) * 1000) / count).toFixed(0)} ms/job`,
    );
  };
  const receipt = readFileSync(join(root, 'subgraphs/documents/test-fixtures/receipt-scan.png'));
  // ~1 MB of text: 228 pages of 40 lines of 100 characters.
  const line = 'Meridian ledger line with an amount of 99.90 EUR and a reference to keep the text going on, line';
  const pages = 228;
  const pdf = textPdf(
    Array.from({ length: pages }, () => Array.from({ length: 40 }, (_, i) => `${line} ${String(i).padStart(2, '0')}`)),
    9,
  );

  await run('warm-up (5 receipts)', 'warm.png', 'image/png', receipt, 5);
  await run(`text PDF (${(pdf.length / 1024 / 1024).toFixed(2)} MB, ${pages} pages)`, 'ledger.pdf', 'application/pdf', pdf);
  await run('receipt image by OCR (900x170 PNG)', 'receipt.png', 'image/png', receipt);
  await queue.close();
  connection.disconnect();
  await db.$disconnect();
}

/** Epoch milliseconds with sub-millisecond precision; the subscriber process stamps with the same clock. */
const epochMs = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * With BENCH_HEAP_SNAPSHOTS=<dir>: has `child` write a heap snapshot there (SIGUSR2, see `node()`),
 * named `<label>.heapsnapshot`; waits until it is written. A snapshot runs a full GC first, and the
 * process's RSS afterwards includes what writing it cost.
 */
async function heapSnapshot(child: ChildProcess, label: string) {
  const dir = process.env.BENCH_HEAP_SNAPSHOTS;
  if (!dir) return;
  const before = new Set(readdirSync(dir));
  process.kill(child.pid!, 'SIGUSR2');
  let file: string | undefined;
  let size = -1;
  for (;;) {
    await sleep(1000);
    file ??= readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f) && f.includes(`.${child.pid}.`));
    if (!file) continue;
    const now = statSync(join(dir, file)).size;
    if (now > 0 && now === size) break;
    size = now;
  }
  renameSync(join(dir, file), join(dir, `${label}.heapsnapshot`));
}

/**
 * subscriptions: ONE router process holding BENCH_SUBSCRIPTIONS (default 10,000) open
 * `orderUpdated` subscriptions, each on a different order of one of BENCH_BUYERS (100) customers,
 * BENCH_SUBS_PER_CONNECTION (default 1) per WebSocket, from a separate subscriber process
 * (bench/live-clients.ts). Events are XADDed to the `order.updated` stream, open loop at
 * BENCH_EVENT_RATE (1,000/s) for BENCH_SECONDS (10 s), each for a different order; the orders
 * subgraph bridges them to pub/sub and its subscriptions, the router fans them out. Prints the
 * router's memory per open subscription (VmRSS and V8 heap, stepwise), event -> client latency
 * p50/p99, delivered events/s, lost events and CPU per event of every process on the path.
 */
async function subscriptionsScenario() {
  const subscriptionCount = Number(process.env.BENCH_SUBSCRIPTIONS ?? 10_000);
  const perConnection = Number(process.env.BENCH_SUBS_PER_CONNECTION ?? 1);
  const rate = Number(process.env.BENCH_EVENT_RATE ?? 1000);
  const eventSeconds = Number(process.env.BENCH_SECONDS ?? 10);
  const buyerCount = Number(process.env.BENCH_BUYERS ?? 100);
  const steps = 4;
  const warmCount = 200;
  // Each order moves forward only, so one order takes at most three events before it completes.
  const moves = ['RESERVED', 'PAID', 'CONFIRMED'] as const;
  const eventCount = rate * eventSeconds;
  if (eventCount > subscriptionCount * moves.length) {
    throw new Error(
      `${eventCount} events need more than ${subscriptionCount} orders x ${moves.length} moves; lower BENCH_SECONDS`,
    );
  }
  if (perConnection > 100) process.env.ROUTER_WS_MAX_SUBSCRIPTIONS = String(perConnection);
  const query = 'subscription ($id: ID!) { orderUpdated(id: $id) { id status total { amount currency } } }';

  const { routerUrl, adminUrl, router, urls } = await startServices();
  const orders = named.get('orders')!;
  const ordersUrl = `http://127.0.0.1:${base + 1 + subgraphNames.indexOf('orders')}`;
  const directKey = 1_000_000;
  const buyers = await mintAccessTokens(urls.auth, buyerCount);
  const all = Array.from({ length: warmCount + subscriptionCount }, (_, key) => ({
    key,
    orderId: randomUUID(),
    buyer: buyers[key % buyers.length]!,
  }));
  const warm = all.slice(0, warmCount);
  const main = all.slice(warmCount);

  // PENDING orders as placeOrder leaves them (one item, the first history entry), written directly.
  const pool = new pg.Pool({ connectionString: urls.orders, max: 1 });
  for (let i = 0; i < all.length; i += 2000) {
    const chunk = all.slice(i, i + 2000);
    const ids = chunk.map((o) => o.orderId);
    await pool.query(
      `WITH o AS (
         INSERT INTO orders (id, buyer_id, status, payment_method, created_at, updated_at)
         SELECT t.id, t.buyer, 'PENDING', 'tok_visa', now(), now() FROM unnest($1::uuid[], $2::uuid[]) AS t(id, buyer) RETURNING id),
       i AS (
         INSERT INTO order_items (id, order_id, position, product_id, quantity)
         SELECT gen_random_uuid(), o.id, 0, $3::uuid, 1 FROM o)
       INSERT INTO order_status_changes (id, order_id, status, at) SELECT gen_random_uuid(), o.id, 'PENDING', now() FROM o`,
      [ids, chunk.map((o) => o.buyer.userId), demoProducts[0]!.id],
    );
  }
  await pool.end();

  const clients = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/live-clients.ts')], {
    cwd: root,
    env: process.env,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  children.push(clients);
  named.set('clients', clients);
  const ask = <T extends ClientAnswer['op']>(command: ClientCommand, op: T) =>
    new Promise<Extract<ClientAnswer, { op: T }>>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the subscriber process exited (${code})`));
      const onMessage = (message: ClientAnswer) => {
        if (message.op !== op) return;
        clients.off('message', onMessage);
        clients.off('exit', onExit);
        resolve(message as Extract<ClientAnswer, { op: T }>);
      };
      clients.on('message', onMessage);
      clients.once('exit', onExit);
      clients.send(command);
    });
  /** Opens `list` through the router (or straight at the orders subgraph: keys shifted by `directKey`). */
  const openGroup = async (group: string, list: typeof all, url = routerUrl, keyOffset = 0) => {
    const opened = await ask(
      {
        op: 'open',
        group,
        url,
        query,
        perConnection,
        concurrency: 100,
        subscriptions: list.map((o) => ({ key: o.key + keyOffset, orderId: o.orderId, token: o.buyer.token })),
      },
      'opened',
    );
    if (opened.failures.length > 0) throw new Error(`subscriptions failed: ${opened.failures.join('; ')}`);
    return opened;
  };
  const live = async () => {
    const metrics = await metricsOf(adminUrl);
    return {
      subscriptions: metrics.get('meridian_router_subscriptions')!,
      upstreams: metrics.get('meridian_router_subscription_upstreams')!,
      connections: metrics.get('meridian_router_websocket_connections')!,
      ordersSubscriptions: await openSubscriptions(ordersUrl),
      heapUsed: metrics.get('nodejs_heap_size_used_bytes')!,
      external: metrics.get('nodejs_external_memory_bytes')!,
      events: metrics.get('meridian_router_subscription_events_total')!,
      dropped: metrics.get('meridian_router_subscription_events_dropped_total')!,
      gcSeconds: [...metrics].filter(([k]) => k.startsWith('nodejs_gc_duration_seconds_sum')).reduce((a, [, v]) => a + v, 0),
      majorGcSeconds: metrics.get('nodejs_gc_duration_seconds_sum{kind="major"}') ?? 0,
      majorGcs: metrics.get('nodejs_gc_duration_seconds_count{kind="major"}') ?? 0,
      /** Since the previous scrape (prom-client resets the histogram on each). */
      lagMaxSeconds: metrics.get('nodejs_eventloop_lag_max_seconds')!,
    };
  };
  // Every 250 ms: each check scrapes the router's /metrics, which is not free with 10,000 subscriptions open.
  const settled = (subscriptions: number) =>
    eventually(
      async () => {
        const now = await live();
        return (
          now.subscriptions === subscriptions && now.upstreams === subscriptions && now.ordersSubscriptions === subscriptions
        );
      },
      `the router and orders hold ${subscriptions} open subscriptions`,
      120_000,
      250,
    );

  const redis = new Redis(redisUrl);
  cleanups.push(async () => void redis.disconnect());
  const stream = `${eventsNamespace}:events:order.updated`;
  /** Publishes one `order.updated` per target, open loop at `perSecond` in 10 ms batches; returns each send time. */
  const publish = async (targets: { orderId: string; buyerId: string; status: string }[], perSecond: number) => {
    const sentAt: number[] = [];
    const writes: Promise<unknown>[] = [];
    const started = epochMs();
    while (sentAt.length < targets.length) {
      const due = Math.min(targets.length, Math.floor(((epochMs() - started) * perSecond) / 1000) + 1);
      if (due > sentAt.length) {
        const pipeline = redis.pipeline();
        const at = new Date().toISOString();
        for (let i = sentAt.length; i < due; i += 1) {
          const { orderId, buyerId, status } = targets[i]!;
          const payload = { orderId, buyerId, status, cancelReason: null, total: { amount: 1990, currency: 'EUR' }, at };
          const event = { id: randomUUID(), topic: 'order.updated', payload, occurredAt: at };
          pipeline.xadd(stream, 'MAXLEN', '~', 100_000, '*', 'event', JSON.stringify(event));
        }
        const sent = epochMs();
        for (let i = sentAt.length; i < due; i += 1) sentAt.push(sent);
        writes.push(pipeline.exec());
      }
      await sleep(10);
    }
    await Promise.all(writes);
    return sentAt;
  };
  const awaitDeliveries = async (count: number, graceMs: number) => {
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && (await ask({ op: 'count' }, 'count')).received < count) await sleep(100);
  };

  console.log(
    `scenario subscriptions: ${subscriptionCount} orderUpdated subscriptions (${perConnection} per WebSocket) on ONE router, ` +
      `${rate} events/s for ${eventSeconds} s, each event for a different order`,
  );
  console.log(
    `selection ${query.replace('subscription ($id: ID!) ', '')} — orders-only: the figures are the router's subscription path ` +
      "(graphql-ws in, one upstream subscription per live query on orders, plan execution, fan-out), not other subgraphs' HTTP cost",
  );

  // Warm-up: open, deliver through, close — JIT, plan cache, upstream socket, pools.
  await openGroup('warm', warm);
  const warmSent = await publish(
    warm.map((o) => ({ orderId: o.orderId, buyerId: o.buyer.userId, status: 'RESERVED' })),
    rate,
  );
  await awaitDeliveries(warmSent.length, 10_000);
  await ask({ op: 'close', group: 'warm' }, 'closed');
  await settled(0);
  await sleep(3000);

  const samples: { open: number; connections: number; rss: number; heap: number; external: number; ordersRss: number }[] = [];
  const sample = async (open: number) => {
    await settled(open);
    await sleep(2000);
    const now = await live();
    samples.push({
      open,
      connections: now.connections,
      rss: rssKiB(router.pid!),
      heap: now.heapUsed / 1024,
      external: now.external / 1024,
      ordersRss: rssKiB(orders.pid!),
    });
  };
  await sample(0);
  await heapSnapshot(router, 'router-0');
  await heapSnapshot(orders, 'orders-0');
  let openSeconds = 0;
  const cpuOpening = new Map<string, number>();
  for (let step = 1; step <= steps; step += 1) {
    const cpuOpen = cpuSnapshot();
    const group = await openGroup(`main-${step}`, main.slice(((step - 1) * main.length) / steps, (step * main.length) / steps));
    openSeconds += group.ms / 1000;
    for (const [name, cpu] of cpuSnapshot()) cpuOpening.set(name, (cpuOpening.get(name) ?? 0) + cpu - cpuOpen.get(name)!);
    await sample(Math.round((step * main.length) / steps));
  }
  await heapSnapshot(router, `router-${main.length}`);
  await heapSnapshot(orders, `orders-${main.length}`);
  const opened = await live();
  const channels = ((await redis.pubsub('CHANNELS', `${eventsNamespace}:live:order:*`)) as string[]).length;

  // Probes for where the time goes (not counted in the figures above): every event as it passes
  // Redis pub/sub (after the orders bus consumer), and a sample of orders also watched straight at the
  // orders subgraph (the same events without the router).
  const direct = main.filter((_, i) => i % Math.max(1, Math.floor(main.length / 100)) === 0);
  await openGroup('direct', direct, ordersUrl, directKey);
  const keyOf = new Map<string, number>(all.map((o) => [o.orderId, o.key]));
  const onPubSub = new Map<string, number>();
  const probe = redis.duplicate();
  cleanups.push(async () => void probe.disconnect());
  probe.on('pmessage', (_pattern: string, _channel: string, text: string) => {
    const at = epochMs();
    const { orderId, status } = JSON.parse(text) as { orderId: string; status: string };
    onPubSub.set(`${keyOf.get(orderId)}:${status}`, at);
  });
  await probe.psubscribe(`${eventsNamespace}:live:order:*`);
  await sleep(1000);
  await live(); // resets the router's event-loop lag histogram

  // The event phase.
  const targets = Array.from({ length: eventCount }, (_, i) => {
    const order = main[i % main.length]!;
    return { key: order.key, orderId: order.orderId, buyerId: order.buyer.userId, status: moves[Math.floor(i / main.length)]! };
  });
  const cpuBefore = cpuSnapshot();
  const machineBefore = machineCpu();
  const publisherCpu = process.cpuUsage();
  const publishStarted = epochMs();
  const sentAt = await publish(targets, rate);
  const publishEnded = epochMs();
  await awaitDeliveries(eventCount + direct.length * Math.ceil(eventCount / main.length), 10_000);
  const cpuAfter = cpuSnapshot();
  const machineAfter = machineCpu();
  const publisherMs = (({ user, system }) => (user + system) / 1000)(process.cpuUsage(publisherCpu));
  const phase = await live();
  await sleep(1000); // anything more (duplicates) shows in the report
  const report = await ask({ op: 'report' }, 'report');
  const after = await live();
  const rssAfterEvents = rssKiB(router.pid!);

  const received = new Map<string, number>();
  let duplicates = 0;
  for (const [key, status, at] of report.events) {
    const id = `${key}:${status}`;
    if (received.has(id)) duplicates += 1;
    else received.set(id, at);
  }
  const latencies: number[] = [];
  const perSecond = new Map<number, number[]>();
  const hops = {
    toPubSub: [] as number[],
    pubSubToClient: [] as number[],
    pubSubToDirect: [] as number[],
    routerAdds: [] as number[],
  };
  let lastDelivery = publishStarted;
  targets.forEach((target, i) => {
    const id = `${target.key}:${target.status}`;
    const at = received.get(id);
    const passed = onPubSub.get(id);
    if (passed !== undefined) hops.toPubSub.push(passed - sentAt[i]!);
    if (passed !== undefined && at !== undefined) hops.pubSubToClient.push(at - passed);
    const directAt = received.get(`${target.key + directKey}:${target.status}`);
    if (directAt !== undefined && passed !== undefined) hops.pubSubToDirect.push(directAt - passed);
    if (directAt !== undefined && at !== undefined) hops.routerAdds.push(at - directAt);
    if (at === undefined) return;
    const latency = at - sentAt[i]!;
    latencies.push(latency);
    lastDelivery = Math.max(lastDelivery, at);
    const second = Math.floor((sentAt[i]! - publishStarted) / 1000);
    const bucket = perSecond.get(second) ?? [];
    bucket.push(latency);
    perSecond.set(second, bucket);
  });
  latencies.sort((a, b) => a - b);
  const lost = eventCount - latencies.length;
  const deliveredPerSecond = latencies.length / ((lastDelivery - publishStarted) / 1000);
  const offeredPerSecond = eventCount / ((publishEnded - publishStarted) / 1000);

  // Memory: least-squares slope of RSS / heap over the open subscriptions, and the plain end-to-end difference.
  const slope = (ys: number[]) => {
    const xs = samples.map((s) => s.open);
    const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
    const my = ys.reduce((a, b) => a + b, 0) / ys.length;
    return xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  };
  const first = samples[0]!;
  const last = samples.at(-1)!;
  const perSub = (key: 'rss' | 'heap' | 'external' | 'ordersRss') => (last[key] - first[key]) / (last.open - first.open);
  const kib = (x: number) => `${x.toFixed(1)} KB`;
  const mib = (x: number) => `${(x / 1024).toFixed(0)} MiB`;

  console.log(
    `opened ${main.length} subscriptions on ${opened.connections} WebSockets in ${openSeconds.toFixed(1)} s ` +
      `(${(main.length / openSeconds).toFixed(0)}/s, 100 sockets being set up at a time; CPU per subscription: router ` +
      `${((cpuOpening.get('router')! * 1000) / main.length).toFixed(2)} ms, orders ${((cpuOpening.get('orders')! * 1000) / main.length).toFixed(2)} ms, ` +
      `postgres ${((cpuOpening.get('postgres')! * 1000) / main.length).toFixed(2)} ms)`,
  );
  console.log(
    `router gauges with all open: subscriptions ${opened.subscriptions}, upstreams ${opened.upstreams}, websocket connections ${opened.connections}; ` +
      `orders subgraph subscriptions ${opened.ordersSubscriptions}; Redis pub/sub channels ${channels}`,
  );
  console.log('open subscriptions | router WebSockets | router VmRSS | router V8 heap used | router external | orders VmRSS');
  for (const s of samples) {
    console.log(
      `${String(s.open).padStart(18)} | ${String(s.connections).padStart(17)} | ${mib(s.rss).padStart(12)} | ${mib(s.heap).padStart(18)} | ${mib(s.external).padStart(15)} | ${mib(s.ordersRss).padStart(12)}`,
    );
  }
  const latencyBySecond = [...perSecond]
    .sort(([a], [b]) => a - b)
    .map(([second, xs]) => {
      xs.sort((a, b) => a - b);
      return `${second}s ${pct(xs, 50).toFixed(0)}/${pct(xs, 99).toFixed(0)}`;
    })
    .join(', ');
  console.log(`latency p50/p99 (ms) by second of publishing: ${latencyBySecond}`);
  const spread = (xs: number[]) => {
    xs.sort((a, b) => a - b);
    return `p50 ${pct(xs, 50).toFixed(1)} / p99 ${pct(xs, 99).toFixed(1)} ms (${xs.length})`;
  };
  console.log(
    `where the time goes: XADD -> Redis pub/sub (orders' bus consumer) ${spread(hops.toPubSub)}; pub/sub -> client through the router ` +
      `${spread(hops.pubSubToClient)}; pub/sub -> client straight from orders (sample) ${spread(hops.pubSubToDirect)}; ` +
      `router's own share (through router - straight, same events) ${spread(hops.routerAdds)}`,
  );
  const window = (lastDelivery - publishStarted) / 1000;
  console.log(
    `router during the event phase: GC ${((phase.gcSeconds - opened.gcSeconds) * 1000).toFixed(0)} ms in all, ` +
      `${phase.majorGcs - opened.majorGcs} major GCs taking ${((phase.majorGcSeconds - opened.majorGcSeconds) * 1000).toFixed(0)} ms; ` +
      `event-loop lag max ${(phase.lagMaxSeconds * 1000).toFixed(0)} ms`,
  );
  const ours = [...cpuAfter].reduce((a, [name, cpu]) => a + cpu - cpuBefore.get(name)!, 0) + publisherMs / 1000;
  const ourPids = new Set([process.pid, ...children.map((c) => c.pid)].map(String));
  const others = [...machineAfter.processes]
    .map(([name, cpu]) => [name, cpu - (machineBefore.processes.get(name) ?? 0)] as const)
    .filter(([name, used]) => used >= 0.05 * window && !ourPids.has(name.split(' ')[0]!) && !/postgres|redis-server/.test(name))
    .sort((a, b) => b[1] - a[1]);
  console.log(
    `machine CPU during the event phase: ${(((machineAfter.busy - machineBefore.busy) / window) * 100).toFixed(0)}% busy of ` +
      `${(((machineAfter.total - machineBefore.total) / window) * 100).toFixed(0)}% (this bench's processes: ${((ours / window) * 100).toFixed(0)}%` +
      `${others.length > 0 ? `; others: ${others.map(([name, used]) => `${name} ${((used / window) * 100).toFixed(0)}%`).join(', ')}` : ''})`,
  );
  const cpuLine = ['router', 'orders', 'redis', 'postgres', 'clients']
    .map((name) => {
      const used = cpuAfter.get(name)! - cpuBefore.get(name)!;
      return `${name} ${((used * 1e6) / eventCount).toFixed(0)} µs/event (${((used / ((lastDelivery - publishStarted) / 1000)) * 100).toFixed(0)}% of a core)`;
    })
    .join(', ');
  console.log(
    `CPU during the event phase: ${cpuLine}, bench publisher ${((publisherMs * 1000) / eventCount).toFixed(0)} µs/event`,
  );
  if (report.errors.length > 0)
    console.log(`errors seen by subscribers (first ${report.errors.length}): ${report.errors.slice(0, 5).join(' | ')}`);
  if (Object.keys(report.closes).length > 0) console.log(`sockets closed during the run: ${JSON.stringify(report.closes)}`);

  const p99 = pct(latencies, 99);
  const routerPerSub = perSub('rss');
  console.log('');
  console.log(
    `===== subscriptions: ONE router, ${main.length} open subscriptions (${perConnection}/WebSocket), ${rate} events/s for ${eventSeconds} s =====`,
  );
  console.log(
    `memory per open subscription, router:  VmRSS ${kib(routerPerSub)} (slope ${kib(slope(samples.map((s) => s.rss)))}; ` +
      `${mib(first.rss)} -> ${mib(last.rss)}), V8 heap used ${kib(perSub('heap'))}, external ${kib(perSub('external'))}   target <= 15 KB: ${routerPerSub <= 15 ? 'met' : 'MISSED'}`,
  );
  console.log(
    `memory per open subscription, orders subgraph (secondary): VmRSS ${kib(perSub('ordersRss'))} (${mib(first.ordersRss)} -> ${mib(last.ordersRss)})`,
  );
  console.log(
    `event -> client latency: p50 ${pct(latencies, 50).toFixed(1)} ms, p90 ${pct(latencies, 90).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, ` +
      `max ${(latencies.at(-1) ?? NaN).toFixed(1)} ms   target p99 <= 50 ms: ${p99 <= 50 ? 'met' : 'MISSED'}`,
  );
  console.log(
    `delivered ${latencies.length}/${eventCount} events: ${deliveredPerSecond.toFixed(0)} events/s delivered (offered ${offeredPerSecond.toFixed(0)}/s); ` +
      `lost ${lost}, duplicates ${duplicates}; router events in ${after.events - opened.events}, dropped ${after.dropped - opened.dropped}   ` +
      `target no event lost: ${lost === 0 ? 'met' : 'MISSED'}`,
  );
  console.log(`router VmRSS after the events ${mib(rssAfterEvents)}, peak ${peakRssMiB(router.pid!)} MiB`);

  // Every client leaves: the router must let go of every subscription and upstream.
  for (let step = 1; step <= steps; step += 1) await ask({ op: 'close', group: `main-${step}` }, 'closed');
  await ask({ op: 'close', group: 'direct' }, 'closed');
  await settled(0);
  await sleep(2000);
  await heapSnapshot(router, 'router-after');
  console.log(
    `after every client left: router subscriptions 0, upstreams 0, orders subscriptions 0; router VmRSS ${mib(rssKiB(router.pid!))}`,
  );
  clients.send({ op: 'exit' } satisfies ClientCommand);
}

// What we measure is what production runs: the compiled router and subgraphs (tsx stays for the
// load generators). Incremental, so about a second when dist/ is up to date.
build({ typeCheck: false });

const cleanups: (() => Promise<void>)[] = [];
try {
  if (scenario === 'router') await routerScenario();
  else if (scenario === 'auth') await authScenario();
  else if (scenario === 'saga') await sagaScenario();
  else if (scenario === 'documents') await documentsScenario();
  else if (scenario === 'subscriptions') await subscriptionsScenario();
  else if (scenario === 'gateway') await gatewayScenario();
  else throw new Error(`unknown scenario ${scenario}; known: router, auth, saga, documents, subscriptions, gateway`);
} finally {
  // Processes first (they hold the databases, Redis keys and files the cleanups remove).
  await stopChildren();
  for (const cleanup of cleanups) await cleanup().catch((error: unknown) => console.error('cleanup failed:', error));
}
