/**
 * `npm run bench router` — the cross-subgraph `me` query through the Meridian router and through a plain
 * @apollo/gateway (bench/peers) on the same six subgraph processes (see run.ts).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loginAs, meQuery } from '../packages/stack/src/test-stack.ts';
import { forGateway } from '../router/src/supergraph-file.ts';
import { ensurePeers, waitAnswering } from './gateway.ts';
import { cpuSeconds, peakRssMiB, root, spawnNode } from './processes.ts';
import { base, cleanups, connections, cpuSnapshot, load, named, seconds, startServices } from './services.ts';

export async function routerScenario() {
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
