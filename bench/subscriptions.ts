/**
 * `npm run bench subscriptions` — ONE router process holding BENCH_SUBSCRIPTIONS (default 10,000) open
 * `orderUpdated` subscriptions, each on a different order of one of BENCH_BUYERS (100) customers,
 * BENCH_SUBS_PER_CONNECTION (default 1) per WebSocket, from a separate subscriber process
 * (bench/live-clients.ts). Events are XADDed to the `order.updated` stream, open loop at
 * BENCH_EVENT_RATE (1,000/s) for BENCH_SECONDS (10 s), each for a different order; the orders
 * subgraph bridges them to pub/sub and its subscriptions, the router fans them out. Prints the
 * router's memory per open subscription (VmRSS and V8 heap, stepwise), event -> client latency
 * p50/p99, delivered events/s, lost events and CPU per event of every process on the path.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { subgraphNames } from '../stack/src/topology.ts';
import { eventually } from '#kit/testing';
import { demoProducts } from '../stack/src/demo-data.ts';
import { metricsOf, openSubscriptions } from '#kit/live-client';
import { mintAccessTokens } from '../stack/src/test-stack.ts';
import type { ClientAnswer, ClientCommand } from './live-clients.ts';
import { children, machineCpu, peakRssMiB, pct, root, rssKiB } from './processes.ts';
import { base, cleanups, cpuSnapshot, eventsNamespace, named, redisUrl, startServices } from './services.ts';

const query = 'subscription ($id: ID!) { orderUpdated(id: $id) { id status total { amount currency } } }';
/** Each order moves forward only, so one order takes at most three events before it completes. */
const moves = ['RESERVED', 'PAID', 'CONFIRMED'] as const;
/** Subscriptions opened in this many steps, the router's memory sampled after each. */
const steps = 4;
const warmCount = 200;
/** Keys of the orders also watched straight at the orders subgraph are shifted by this. */
const directKey = 1_000_000;

/** Epoch milliseconds with sub-millisecond precision; the subscriber process stamps with the same clock. */
const epochMs = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Buyer = Awaited<ReturnType<typeof mintAccessTokens>>[number];
/** One order the bench subscribes to, and its index (`key`) in the subscriber's report. */
interface BenchOrder {
  key: number;
  orderId: string;
  buyer: Buyer;
}
/** One `order.updated` to publish. */
interface Target {
  key: number;
  orderId: string;
  buyerId: string;
  status: string;
}
type Ask = ReturnType<typeof startSubscriber>['ask'];
type RouterFigures = Awaited<ReturnType<ReturnType<typeof watchRouter>['figures']>>;
interface MemorySample {
  open: number;
  connections: number;
  rss: number;
  heap: number;
  external: number;
  ordersRss: number;
}

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

/** PENDING orders as placeOrder leaves them (one item, the first history entry), written directly. */
async function insertPendingOrders(ordersDatabaseUrl: string, orders: BenchOrder[]) {
  const pool = new pg.Pool({ connectionString: ordersDatabaseUrl, max: 1 });
  for (let i = 0; i < orders.length; i += 2000) {
    const chunk = orders.slice(i, i + 2000);
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
}

/** The subscriber process (bench/live-clients.ts): `ask` sends it a command and waits for its answer. */
function startSubscriber() {
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
  return { ask, exit: () => clients.send({ op: 'exit' } satisfies ClientCommand) };
}

/** Opens `list` at `url` (the router, or straight at the orders subgraph: keys shifted by `keyOffset`). */
async function openGroup(ask: Ask, group: string, list: BenchOrder[], url: string, perConnection: number, keyOffset = 0) {
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
}

/** Waits until the subscribers have received `count` results, or `graceMs` passed. */
async function awaitDeliveries(ask: Ask, count: number, graceMs: number) {
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && (await ask({ op: 'count' }, 'count')).received < count) await sleep(100);
}

/** The router's figures from its /metrics (and the orders subgraph's open subscriptions), and a wait for them to settle. */
function watchRouter(adminUrl: string, ordersUrl: string) {
  const figures = async () => {
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
        const now = await figures();
        return (
          now.subscriptions === subscriptions && now.upstreams === subscriptions && now.ordersSubscriptions === subscriptions
        );
      },
      `the router and orders hold ${subscriptions} open subscriptions`,
      120_000,
      250,
    );
  return { figures, settled };
}

/** Publishes one `order.updated` per target, open loop at `perSecond` in 10 ms batches; returns each send time. */
async function publish(redis: Redis, targets: Omit<Target, 'key'>[], perSecond: number) {
  const stream = `${eventsNamespace}:events:order.updated`;
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
}

/**
 * Probes for where the time goes (not counted in the figures): every event as it passes Redis pub/sub
 * (after the orders bus consumer), stamped by `<key>:<status>`. The sample of orders also watched
 * straight at the orders subgraph (the same events without the router) is opened by the caller.
 */
async function probePubSub(redis: Redis, all: BenchOrder[]) {
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
  return onPubSub;
}

/** Each target's delivery matched with its send time and the probes: latencies, by second, and per hop. */
function analyseDeliveries(
  report: Extract<ClientAnswer, { op: 'report' }>,
  targets: Target[],
  sentAt: number[],
  onPubSub: Map<string, number>,
  publishStarted: number,
) {
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
  return { latencies, perSecond, hops, lastDelivery, duplicates };
}

/** Memory per open subscription: least-squares slope over the samples, and the plain first-to-last difference. */
function memoryPerSubscription(samples: MemorySample[]) {
  const slope = (ys: number[]) => {
    const xs = samples.map((s) => s.open);
    const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
    const my = ys.reduce((a, b) => a + b, 0) / ys.length;
    return xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  };
  const first = samples[0]!;
  const last = samples.at(-1)!;
  const perSub = (key: 'rss' | 'heap' | 'external' | 'ordersRss') => (last[key] - first[key]) / (last.open - first.open);
  return { slope, first, last, perSub };
}

const kib = (x: number) => `${x.toFixed(1)} KB`;
const mib = (x: number) => `${(x / 1024).toFixed(0)} MiB`;

function printMemoryTable(samples: MemorySample[]) {
  console.log('open subscriptions | router WebSockets | router VmRSS | router V8 heap used | router external | orders VmRSS');
  for (const s of samples) {
    console.log(
      `${String(s.open).padStart(18)} | ${String(s.connections).padStart(17)} | ${mib(s.rss).padStart(12)} | ${mib(s.heap).padStart(18)} | ${mib(s.external).padStart(15)} | ${mib(s.ordersRss).padStart(12)}`,
    );
  }
}

/** The machine's CPU during the event phase: busy of total, this bench's processes, and others using 5% or more. */
function printMachineCpu(
  before: ReturnType<typeof machineCpu>,
  after: ReturnType<typeof machineCpu>,
  ours: number,
  window: number,
) {
  const ourPids = new Set([process.pid, ...children.map((c) => c.pid)].map(String));
  const others = [...after.processes]
    .map(([name, cpu]) => [name, cpu - (before.processes.get(name) ?? 0)] as const)
    .filter(([name, used]) => used >= 0.05 * window && !ourPids.has(name.split(' ')[0]!) && !/postgres|redis-server/.test(name))
    .sort((a, b) => b[1] - a[1]);
  console.log(
    `machine CPU during the event phase: ${(((after.busy - before.busy) / window) * 100).toFixed(0)}% busy of ` +
      `${(((after.total - before.total) / window) * 100).toFixed(0)}% (this bench's processes: ${((ours / window) * 100).toFixed(0)}%` +
      `${others.length > 0 ? `; others: ${others.map(([name, used]) => `${name} ${((used / window) * 100).toFixed(0)}%`).join(', ')}` : ''})`,
  );
}

/** The `subscriptions` scenario (see the header). */
export async function subscriptionsScenario() {
  const subscriptionCount = Number(process.env.BENCH_SUBSCRIPTIONS ?? 10_000);
  const perConnection = Number(process.env.BENCH_SUBS_PER_CONNECTION ?? 1);
  const rate = Number(process.env.BENCH_EVENT_RATE ?? 1000);
  const eventSeconds = Number(process.env.BENCH_SECONDS ?? 10);
  const buyerCount = Number(process.env.BENCH_BUYERS ?? 100);
  const eventCount = rate * eventSeconds;
  if (eventCount > subscriptionCount * moves.length) {
    throw new Error(
      `${eventCount} events need more than ${subscriptionCount} orders x ${moves.length} moves; lower BENCH_SECONDS`,
    );
  }
  if (perConnection > 100) process.env.ROUTER_WS_MAX_SUBSCRIPTIONS = String(perConnection);

  const { routerUrl, adminUrl, router, urls } = await startServices();
  const orders = named.get('orders')!;
  const ordersUrl = `http://127.0.0.1:${base + 1 + subgraphNames.indexOf('orders')}`;
  const buyers = await mintAccessTokens(urls.auth, buyerCount);
  const all: BenchOrder[] = Array.from({ length: warmCount + subscriptionCount }, (_, key) => ({
    key,
    orderId: randomUUID(),
    buyer: buyers[key % buyers.length]!,
  }));
  const warm = all.slice(0, warmCount);
  const main = all.slice(warmCount);
  await insertPendingOrders(urls.orders, all);

  const { ask, exit } = startSubscriber();
  const { figures, settled } = watchRouter(adminUrl, ordersUrl);
  const redis = new Redis(redisUrl);
  cleanups.push(async () => void redis.disconnect());

  console.log(
    `scenario subscriptions: ${subscriptionCount} orderUpdated subscriptions (${perConnection} per WebSocket) on ONE router, ` +
      `${rate} events/s for ${eventSeconds} s, each event for a different order`,
  );
  console.log(
    `selection ${query.replace('subscription ($id: ID!) ', '')} — orders-only: the figures are the router's subscription path ` +
      "(graphql-ws in, one upstream subscription per live query on orders, plan execution, fan-out), not other subgraphs' HTTP cost",
  );

  // Warm-up: open, deliver through, close — JIT, plan cache, upstream socket, pools.
  await openGroup(ask, 'warm', warm, routerUrl, perConnection);
  const warmSent = await publish(
    redis,
    warm.map((o) => ({ orderId: o.orderId, buyerId: o.buyer.userId, status: 'RESERVED' })),
    rate,
  );
  await awaitDeliveries(ask, warmSent.length, 10_000);
  await ask({ op: 'close', group: 'warm' }, 'closed');
  await settled(0);
  await sleep(3000);

  // The opening phase: `main` in steps, the memory sampled with 0 and after each step.
  const samples: MemorySample[] = [];
  const sample = async (open: number) => {
    await settled(open);
    await sleep(2000);
    const now = await figures();
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
    const list = main.slice(((step - 1) * main.length) / steps, (step * main.length) / steps);
    const group = await openGroup(ask, `main-${step}`, list, routerUrl, perConnection);
    openSeconds += group.ms / 1000;
    for (const [name, cpu] of cpuSnapshot()) cpuOpening.set(name, (cpuOpening.get(name) ?? 0) + cpu - cpuOpen.get(name)!);
    await sample(Math.round((step * main.length) / steps));
  }
  await heapSnapshot(router, `router-${main.length}`);
  await heapSnapshot(orders, `orders-${main.length}`);
  const opened = await figures();
  const channels = ((await redis.pubsub('CHANNELS', `${eventsNamespace}:live:order:*`)) as string[]).length;

  // A sample of orders also watched straight at the orders subgraph, and the pub/sub probe.
  const direct = main.filter((_, i) => i % Math.max(1, Math.floor(main.length / 100)) === 0);
  await openGroup(ask, 'direct', direct, ordersUrl, perConnection, directKey);
  const onPubSub = await probePubSub(redis, all);
  await sleep(1000);
  await figures(); // resets the router's event-loop lag histogram

  // The event phase.
  const targets: Target[] = Array.from({ length: eventCount }, (_, i) => {
    const order = main[i % main.length]!;
    return { key: order.key, orderId: order.orderId, buyerId: order.buyer.userId, status: moves[Math.floor(i / main.length)]! };
  });
  const cpuBefore = cpuSnapshot();
  const machineBefore = machineCpu();
  const publisherCpu = process.cpuUsage();
  const publishStarted = epochMs();
  const sentAt = await publish(redis, targets, rate);
  const publishEnded = epochMs();
  await awaitDeliveries(ask, eventCount + direct.length * Math.ceil(eventCount / main.length), 10_000);
  const cpuAfter = cpuSnapshot();
  const machineAfter = machineCpu();
  const publisherMs = (({ user, system }) => (user + system) / 1000)(process.cpuUsage(publisherCpu));
  const phase = await figures();
  await sleep(1000); // anything more (duplicates) shows in the report
  const report = await ask({ op: 'report' }, 'report');
  const after = await figures();
  const rssAfterEvents = rssKiB(router.pid!);

  const { latencies, perSecond, hops, lastDelivery, duplicates } = analyseDeliveries(
    report,
    targets,
    sentAt,
    onPubSub,
    publishStarted,
  );
  printReport({
    main,
    perConnection,
    rate,
    eventSeconds,
    eventCount,
    samples,
    openSeconds,
    cpuOpening,
    opened,
    channels,
    perSecond,
    hops,
    phase,
    after,
    lastDelivery,
    publishStarted,
    publishEnded,
    latencies,
    duplicates,
    cpuBefore,
    cpuAfter,
    machineBefore,
    machineAfter,
    publisherMs,
    report,
    rssAfterEvents,
    router,
  });

  // Every client leaves: the router must let go of every subscription and upstream.
  for (let step = 1; step <= steps; step += 1) await ask({ op: 'close', group: `main-${step}` }, 'closed');
  await ask({ op: 'close', group: 'direct' }, 'closed');
  await settled(0);
  await sleep(2000);
  await heapSnapshot(router, 'router-after');
  console.log(
    `after every client left: router subscriptions 0, upstreams 0, orders subscriptions 0; router VmRSS ${mib(rssKiB(router.pid!))}`,
  );
  exit();
}

/** Everything the scenario measured, printed: the opening, the event phase, then the summary against the targets. */
function printReport(r: {
  main: BenchOrder[];
  perConnection: number;
  rate: number;
  eventSeconds: number;
  eventCount: number;
  samples: MemorySample[];
  openSeconds: number;
  cpuOpening: Map<string, number>;
  opened: RouterFigures;
  channels: number;
  perSecond: Map<number, number[]>;
  hops: ReturnType<typeof analyseDeliveries>['hops'];
  phase: RouterFigures;
  after: RouterFigures;
  lastDelivery: number;
  publishStarted: number;
  publishEnded: number;
  latencies: number[];
  duplicates: number;
  cpuBefore: Map<string, number>;
  cpuAfter: Map<string, number>;
  machineBefore: ReturnType<typeof machineCpu>;
  machineAfter: ReturnType<typeof machineCpu>;
  publisherMs: number;
  report: Extract<ClientAnswer, { op: 'report' }>;
  rssAfterEvents: number;
  router: ChildProcess;
}) {
  const { main, opened, cpuOpening, latencies, eventCount, publishStarted, lastDelivery, phase, cpuAfter, cpuBefore } = r;
  const lost = eventCount - latencies.length;
  const deliveredPerSecond = latencies.length / ((lastDelivery - publishStarted) / 1000);
  const offeredPerSecond = eventCount / ((r.publishEnded - publishStarted) / 1000);
  const { slope, first, last, perSub } = memoryPerSubscription(r.samples);

  console.log(
    `opened ${main.length} subscriptions on ${opened.connections} WebSockets in ${r.openSeconds.toFixed(1)} s ` +
      `(${(main.length / r.openSeconds).toFixed(0)}/s, 100 sockets being set up at a time; CPU per subscription: router ` +
      `${((cpuOpening.get('router')! * 1000) / main.length).toFixed(2)} ms, orders ${((cpuOpening.get('orders')! * 1000) / main.length).toFixed(2)} ms, ` +
      `postgres ${((cpuOpening.get('postgres')! * 1000) / main.length).toFixed(2)} ms)`,
  );
  console.log(
    `router gauges with all open: subscriptions ${opened.subscriptions}, upstreams ${opened.upstreams}, websocket connections ${opened.connections}; ` +
      `orders subgraph subscriptions ${opened.ordersSubscriptions}; Redis pub/sub channels ${r.channels}`,
  );
  printMemoryTable(r.samples);
  const latencyBySecond = [...r.perSecond]
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
    `where the time goes: XADD -> Redis pub/sub (orders' bus consumer) ${spread(r.hops.toPubSub)}; pub/sub -> client through the router ` +
      `${spread(r.hops.pubSubToClient)}; pub/sub -> client straight from orders (sample) ${spread(r.hops.pubSubToDirect)}; ` +
      `router's own share (through router - straight, same events) ${spread(r.hops.routerAdds)}`,
  );
  const window = (lastDelivery - publishStarted) / 1000;
  console.log(
    `router during the event phase: GC ${((phase.gcSeconds - opened.gcSeconds) * 1000).toFixed(0)} ms in all, ` +
      `${phase.majorGcs - opened.majorGcs} major GCs taking ${((phase.majorGcSeconds - opened.majorGcSeconds) * 1000).toFixed(0)} ms; ` +
      `event-loop lag max ${(phase.lagMaxSeconds * 1000).toFixed(0)} ms`,
  );
  const ours = [...cpuAfter].reduce((a, [name, cpu]) => a + cpu - cpuBefore.get(name)!, 0) + r.publisherMs / 1000;
  printMachineCpu(r.machineBefore, r.machineAfter, ours, window);
  const cpuLine = ['router', 'orders', 'redis', 'postgres', 'clients']
    .map((name) => {
      const used = cpuAfter.get(name)! - cpuBefore.get(name)!;
      return `${name} ${((used * 1e6) / eventCount).toFixed(0)} µs/event (${((used / ((lastDelivery - publishStarted) / 1000)) * 100).toFixed(0)}% of a core)`;
    })
    .join(', ');
  console.log(
    `CPU during the event phase: ${cpuLine}, bench publisher ${((r.publisherMs * 1000) / eventCount).toFixed(0)} µs/event`,
  );
  if (r.report.errors.length > 0)
    console.log(`errors seen by subscribers (first ${r.report.errors.length}): ${r.report.errors.slice(0, 5).join(' | ')}`);
  if (Object.keys(r.report.closes).length > 0) console.log(`sockets closed during the run: ${JSON.stringify(r.report.closes)}`);

  const p99 = pct(latencies, 99);
  const routerPerSub = perSub('rss');
  console.log('');
  console.log(
    `===== subscriptions: ONE router, ${main.length} open subscriptions (${r.perConnection}/WebSocket), ${r.rate} events/s for ${r.eventSeconds} s =====`,
  );
  console.log(
    `memory per open subscription, router:  VmRSS ${kib(routerPerSub)} (slope ${kib(slope(r.samples.map((s) => s.rss)))}; ` +
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
      `lost ${lost}, duplicates ${r.duplicates}; router events in ${r.after.events - opened.events}, dropped ${r.after.dropped - opened.dropped}   ` +
      `target no event lost: ${lost === 0 ? 'met' : 'MISSED'}`,
  );
  console.log(`router VmRSS after the events ${mib(r.rssAfterEvents)}, peak ${peakRssMiB(r.router.pid!)} MiB`);
}
