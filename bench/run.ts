/**
 * `npm run bench [router|auth|saga|documents|subscriptions|gateway]` — load scenarios against the services mode on the machine's PostgreSQL
 * and Redis (gateway: on a subgraph process of its own). Each scenario prints its figures; BENCHMARKS.md records them with the command.
 *
 * router: the cross-subgraph `me` query (users, auth, orders, inventory, payments,
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
 * Each scenario lives in bench/<scenario>.ts; what they share (the services mode, cleanups) in bench/services.ts.
 */
import { build } from '../packages/stack/src/build.ts';
import { authScenario } from './auth.ts';
import { documentsScenario } from './documents.ts';
import { gatewayScenario } from './gateway.ts';
import { stopChildren } from './processes.ts';
import { routerScenario } from './router.ts';
import { sagaScenario } from './saga.ts';
import { cleanups } from './services.ts';
import { subscriptionsScenario } from './subscriptions.ts';

const scenario = process.argv[2] ?? 'router';

// What we measure is what production runs: the compiled router and subgraphs (tsx stays for the
// load generators). Incremental, so about a second when dist/ is up to date.
build({ typeCheck: false });

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
