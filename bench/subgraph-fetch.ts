/**
 * `npx tsx bench/subgraph-fetch.ts` — the router's subgraph fetch layer on its own: requests/s and
 * CPU µs per fetch of a ~50 KB GraphQL answer (BENCH_ANSWER_BYTES) from a local node:http server (a separate process, so
 * the CPU figures are the client's alone), through
 *   - createSubgraphClient (router/src/execution/subgraph-fetch.ts), dedup off;
 *   - createSubgraphClient with dedup on, every caller asking the same thing at once;
 *   - undici `pool.request()` + `body.json()` with an AbortController deadline (the obvious alternative);
 *   - Node's global `fetch` + `res.json()` with `AbortSignal.timeout` (what the gateway path uses).
 * Each answer is parsed into an object the caller owns. BENCH_FETCHES (10,000) per round,
 * BENCH_CONCURRENCY (8) in flight, BENCH_ROUNDS (5) interleaved rounds; the best round of each is
 * printed (on a shared machine the best is the least disturbed).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Pool } from 'undici';
import { createSubgraphClient } from '../router/src/execution/subgraph-fetch.ts';

const fetches = Number(process.env.BENCH_FETCHES ?? 10_000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const answerBytes = Number(process.env.BENCH_ANSWER_BYTES ?? 50_000);

// The subgraph: a fixed answer of ~answerBytes to every POST, keep-alive.
const serverSource = `
  const answerBytes = ${answerBytes};
  const { createServer } = require('node:http');
  const products = [];
  for (let i = 0; JSON.stringify(products).length < answerBytes; i++) {
    products.push({ __typename: 'Product', id: 'p' + i, name: 'Product number ' + i, inStock: i % 3 === 0,
      price: { amount: i * 3.17, currency: 'EUR' }, reviews: [{ id: 'r' + i, rating: i % 5, body: 'Would buy again.' }] });
  }
  const payload = Buffer.from(JSON.stringify({ data: { products } }));
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': payload.length });
      res.end(payload);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port, bytes: payload.length })));
`;

const body = JSON.stringify({ query: '{ products { id name price { amount currency } } }', operationName: null, variables: {} });
const identity = { authorization: 'Bearer bench.token.value', correlationId: 'bench-1', clientAddress: '10.0.0.1' };
const headers = {
  'content-type': 'application/json',
  accept: 'application/json',
  authorization: identity.authorization,
  'x-correlation-id': identity.correlationId,
  'x-forwarded-for': identity.clientAddress,
};

async function main() {
  const server = spawn(process.execPath, ['-e', serverSource], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(server.stdout!, 'data')) as [Buffer];
  const { port, bytes } = JSON.parse(line.toString()) as { port: number; bytes: number };
  const url = `http://127.0.0.1:${port}/graphql`;

  const plain = createSubgraphClient({ name: 'bench', url, timeoutMs: 3_000, dedup: false, connections: 16 });
  const deduped = createSubgraphClient({ name: 'bench', url, timeoutMs: 3_000, dedup: true, connections: 16 });
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 16, pipelining: 1 });
  const ways: Record<string, () => Promise<unknown>> = {
    createSubgraphClient: () => plain.fetch(body, { mutation: false, identity }),
    'createSubgraphClient, dedup': () => deduped.fetch(body, { mutation: false, identity }),
    'undici request() + json()': async () => {
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), 3_000);
      try {
        const response = await pool.request({ path: '/graphql', method: 'POST', headers, body, signal: abort.signal });
        return await response.body.json();
      } finally {
        clearTimeout(timer);
      }
    },
    'global fetch() + json()': async () => {
      const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(3_000) });
      return response.json();
    },
  };

  const run = async (fetchOne: () => Promise<unknown>, count: number) => {
    let started = 0;
    const worker = async () => {
      while (started++ < count) if (!(await fetchOne())) throw new Error('no answer');
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  };
  for (const fetchOne of Object.values(ways)) await run(fetchOne, 2_000); // warm-up

  const best: Record<string, { rps: number; cpuUs: number }> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [name, fetchOne] of Object.entries(ways)) {
      const cpu = process.cpuUsage();
      const start = performance.now();
      await run(fetchOne, fetches);
      const seconds = (performance.now() - start) / 1000;
      const { user, system } = process.cpuUsage(cpu);
      const figure = { rps: fetches / seconds, cpuUs: (user + system) / fetches };
      const previous = best[name];
      best[name] = previous ? { rps: Math.max(previous.rps, figure.rps), cpuUs: Math.min(previous.cpuUs, figure.cpuUs) } : figure;
    }
  }

  console.log(`${bytes} B answers, ${concurrency} in flight, best of ${rounds} rounds of ${fetches}:`);
  for (const [name, { rps, cpuUs }] of Object.entries(best)) {
    console.log(`  ${name.padEnd(30)} ${rps.toFixed(0).padStart(7)} fetches/s  ${cpuUs.toFixed(0).padStart(5)} µs CPU/fetch`);
  }
  await Promise.all([plain.close(), deduped.close(), pool.close()]);
  server.kill();
}

await main();
