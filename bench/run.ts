/**
 * `npm run bench [router|auth]` — load scenarios against the services mode on the machine's PostgreSQL
 * and Redis. Each scenario prints its figures; BENCHMARKS.md records them with the command.
 *
 * router: the issue's cross-subgraph `me` query (users, auth, orders, inventory, payments,
 *   documents) through the Meridian router and through a plain @apollo/gateway on the same six
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
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import {
  createJwksVerifier,
  createLogger,
  ensureDatabase,
  dropDatabase,
  migrate,
  migrationsDir,
  startEmbeddedS3,
  subgraphNames,
  type SubgraphName,
} from '#kit';
import { createBullJobQueue, createObjectStore } from '#kit';
import { postGraphQL } from '#kit/testing';
import { createDocumentStore, createDocumentsDb } from '../subgraphs/documents/src/adapters/prisma-document-store.ts';
import { createDocumentUpload, submitDocument } from '../subgraphs/documents/src/app/upload-document.ts';
import { documentJobsQueue } from '../subgraphs/documents/src/subgraph.ts';
import { textPdf } from '../subgraphs/documents/test-fixtures/text-pdf.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { demoPassword } from '../packages/stack/src/demo-data.ts';
import { seedDemoData } from '../packages/stack/src/seed.ts';
import { loginAs, meQuery, mintAccessTokens } from '../packages/stack/src/test-stack.ts';
import { demoWarehouses } from '../packages/stack/src/demo-data.ts';
import { waitHealthy } from '../packages/stack/src/wait-healthy.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const scenario = process.argv[2] ?? 'router';
const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
const postgres = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const base = 31_000;
// Fresh streams per run: a previous run's consumer groups and backlog must not leak into this one.
const eventsNamespace = `bench-${process.pid}`;

const children: ChildProcess[] = [];
const named = new Map<string, ChildProcess>();

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
/** CPU seconds used so far by every process whose command name is `comm` (PostgreSQL backends, Redis). */
function cpuOfCommand(comm: string): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm) total += cpuSeconds(Number(pid));
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}
const cpuSnapshot = () =>
  new Map([
    ...[...named].map(([name, child]) => [name, cpuSeconds(child.pid!)] as const),
    ['postgres', cpuOfCommand('postgres')] as const,
    ['redis', cpuOfCommand('redis-server')] as const,
  ]);
function node(script: string, args: string[], env: Record<string, string>): ChildProcess {
  // `node --import tsx` keeps each service in one process, so its pid is the one whose RSS we read.
  // BENCH_PROFILE=<dir> writes a V8 CPU profile of every process there (open in Chrome DevTools).
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', join(root, script), ...args], {
    cwd: root,
    env: { ...(process.env as Record<string, string>), ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  return child;
}

/** The `p`th percentile of sorted `xs`. */
const pct = (xs: readonly number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? NaN;

/** VmHWM: the peak resident set size of a process, in MiB. */
function peakRssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmHWM:'));
  return Math.round(Number(line?.replace(/\D+/g, '') ?? 0) / 1024);
}

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
  const s3Dir = mkdtempSync(join(tmpdir(), 'meridian-bench-s3-'));
  const s3 = await startEmbeddedS3({ directory: s3Dir, bucket: 'meridian-documents' });
  await seedDemoData(urls, s3.config, createLogger('seed', 'silent'));

  const env: Record<string, string> = {
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    REDIS_URL: redisUrl,
    EVENTS_NAMESPACE: eventsNamespace,
    AUTH_JWKS_URL: `http://127.0.0.1:${base + 2}/.well-known/jwks.json`,
  };
  subgraphNames.forEach((name, i) => {
    const upper = name.toUpperCase();
    const port = base + 1 + i;
    env[`${upper}_PORT`] = String(port);
    env[`${upper}_DATABASE_URL`] = urls[name];
    env[`${upper}_URL`] = `http://127.0.0.1:${port}/graphql`;
  });
  for (const name of ['auth', ...subgraphNames.filter((n) => n !== 'auth')]) {
    named.set(name, node(`subgraphs/${name}/src/main.ts`, [], env));
    if (name === 'auth') await waitHealthy(`http://127.0.0.1:${base + 2}/health`);
  }
  for (const name of subgraphNames) await waitHealthy(`http://127.0.0.1:${base + 1 + subgraphNames.indexOf(name)}/health`);
  const router = node('router/src/main.ts', ['--port', String(base)], env);
  named.set('router', router);
  if (process.env.BENCH_VERBOSE) console.log(`router pid ${router.pid}`);
  named.set('plain-gateway', node('bench/plain-gateway.ts', ['router/supergraph.graphql', String(base + 100)], env));
  await waitHealthy(`http://127.0.0.1:${base}/health`);
  await new Promise((r) => setTimeout(r, 1500));
  cleanups.push(async () => {
    await s3.stop();
    rmSync(s3Dir, { recursive: true, force: true });
  });
  return { routerUrl: `http://127.0.0.1:${base}`, router, urls };
}

async function routerScenario() {
  const { routerUrl, router } = await startServices();
  const plainUrl = `http://127.0.0.1:${base + 100}`;
  const token = await loginAs(routerUrl);
  const body = JSON.stringify({ query: meQuery });

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

/**
 * auth: login/s through the router (scrypt dominates by design), and what verifying a bearer token
 * costs the router per request: the same anonymous-capable query with and without a token.
 */
async function authScenario() {
  const { routerUrl, router } = await startServices();
  const login = JSON.stringify({
    query: 'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }',
    variables: { input: { email: 'ada@meridian.dev', password: demoPassword } },
  });
  console.log(`scenario auth: ${connections} connections, ${seconds} s per run`);
  await load(routerUrl, login, undefined, 3);
  const logins = await load(routerUrl, login, undefined, seconds);
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
  const s3Dir = mkdtempSync(join(tmpdir(), 'meridian-bench-s3-'));
  const s3 = await startEmbeddedS3({ directory: s3Dir, bucket: 'meridian-documents' });
  cleanups.push(async () => {
    await s3.stop();
    rmSync(s3Dir, { recursive: true, force: true });
  });
  const healthPort = base + 7;
  const worker = node('subgraphs/documents/src/worker.ts', [], {
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    REDIS_URL: redisUrl,
    EVENTS_NAMESPACE: eventsNamespace,
    DOCUMENTS_DATABASE_URL: databaseUrl,
    S3_ENDPOINT: `http://127.0.0.1:${s3.config.port}`,
    S3_ACCESS_KEY: s3.config.accessKey,
    S3_SECRET_KEY: s3.config.secretKey,
    S3_BUCKET: s3.config.bucket,
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
        const { document, uploadUrl } = await createDocumentUpload(deps, viewer, { filename, contentType, size: body.length });
        const put = await fetch(uploadUrl, { method: 'PUT', body });
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

const cleanups: (() => Promise<void>)[] = [];
try {
  if (scenario === 'router') await routerScenario();
  else if (scenario === 'auth') await authScenario();
  else if (scenario === 'saga') await sagaScenario();
  else if (scenario === 'documents') await documentsScenario();
  else throw new Error(`unknown scenario ${scenario}; known: router, auth, saga, documents`);
} finally {
  for (const cleanup of cleanups) await cleanup();
  for (const child of children) child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
}
