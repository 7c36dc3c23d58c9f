/**
 * `npm run bench gateway` — the Guild's public federation-gateway benchmark replayed on this machine
 * (data in ../shared/bench/guild-federation, see its README): one nested query over four subgraphs,
 * an 87.6 KB answer, 50 connections. The Meridian router (with and without ROUTER_DEDUP), a plain
 * `@apollo/gateway` and Hive Gateway with its Rust query planner are measured one after another in
 * one run, against the same subgraph process. Every answer is checked against the expected response.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { parse, print } from 'graphql';
import { composeServices } from '@apollo/composition';
import { waitHealthy } from '#kit/wait-healthy';
import { cpuSeconds, machineCpu, node, peakRssMiB, root, spawnNode, stopProcess } from './processes.ts';
import { benchRateLimits } from './router-limits.ts';

const dataDir = resolve(process.env.BENCH_GUILD_DIR ?? join(root, '../shared/bench/guild-federation'));
const peersDir = join(root, 'bench/peers');
const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const warmUpSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
/** The subgraph process listens here, the gateways on the next ports. */
const subgraphPort = 31_200;
const guildSubgraphs = ['accounts', 'inventory', 'products', 'reviews'];
/** What every gateway runs with: production mode, warnings and errors only. */
const gatewayEnv = { NODE_ENV: 'production', LOG_LEVEL: 'warn' };

/**
 * The Meridian router on `supergraph` at `port`, as its own process: the one place that says how the
 * router is started: compiled JavaScript (`node dist/router/src/main.js`, built at the start of the run).
 */
function startMeridianRouter(supergraph: string, port: number, env: Record<string, string> = {}): ChildProcess {
  // The benchmark's supergraph sizes none of its lists (no @listSize): at the default list size of 10
  // its query is estimated at 24,420, over the default ROUTER_MAX_COST. The estimate still runs; the
  // limit is raised so that the same query as the peers' is served. The rate limits are counted (in
  // this process: no REDIS_URL) but too wide to refuse the load client's one address.
  const limits = { ROUTER_MAX_COST: '1000000', ...benchRateLimits() };
  return node('router/src/main.ts', ['--supergraph', supergraph, '--port', String(port)], { ...gatewayEnv, ...limits, ...env });
}

interface Gateway {
  /** BENCH_GATEWAYS=<key>,<key> runs only those. */
  key: string;
  name: string;
  start(supergraph: string, port: number): ChildProcess;
}

const gateways: Gateway[] = [
  { key: 'meridian', name: 'Meridian router', start: (sg, port) => startMeridianRouter(sg, port) },
  {
    key: 'meridian-nodedup',
    name: 'Meridian router, ROUTER_DEDUP=false',
    start: (sg, port) => startMeridianRouter(sg, port, { ROUTER_DEDUP: 'false' }),
  },
  {
    key: 'apollo',
    name: 'plain @apollo/gateway',
    start: (sg, port) => spawnNode([join(root, 'bench/peers/plain-gateway.js'), sg, String(port)], gatewayEnv),
  },
  {
    key: 'hive',
    name: 'Hive Gateway + Rust planner',
    // Run from bench/peers, where it finds gateway.config.ts; one process, as the Node gateways.
    start: (sg, port) =>
      spawnNode(
        [
          join(peersDir, 'node_modules/@graphql-hive/gateway/dist/bin.js'),
          'supergraph',
          sg,
          '--port',
          String(port),
          '--host',
          '127.0.0.1',
          '--fork',
          '1',
        ],
        gatewayEnv,
        peersDir,
      ),
  },
];

/**
 * Installs the peer gateways of bench/peers (their own package.json and lock, never the product's)
 * unless every dependency is already there at its locked version.
 */
export function ensurePeers(): void {
  const lock = JSON.parse(readFileSync(join(peersDir, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; dependencies?: Record<string, string> }>;
  };
  const installed = Object.keys(lock.packages['']!.dependencies ?? {}).every((name) => {
    const file = join(peersDir, 'node_modules', name, 'package.json');
    const wanted = lock.packages[`node_modules/${name}`]?.version;
    return existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version === wanted;
  });
  if (installed) return;
  console.log('installing the peer gateways: npm ci --prefix bench/peers');
  const npm = spawnSync('npm', ['ci', '--prefix', peersDir, '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (npm.status !== 0) throw new Error(`npm ci --prefix bench/peers failed (${npm.status ?? npm.signal})`);
}

/** Polls `url` with `body` until it answers 200: a gateway is ready once it has loaded the supergraph. */
export async function waitAnswering(url: string, body: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode}`);
    const status = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
      (r) => r.arrayBuffer().then(() => r.status),
      () => 0,
    );
    if (status === 200) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
}

/**
 * The benchmark's supergraph with its subgraphs at `subgraphUrl`, after checking that our subgraph
 * SDLs compose to it: the subgraph process serves those SDLs, so a difference would measure another
 * benchmark.
 */
function guildSupergraph(subgraphUrl: string): string {
  const given = readFileSync(join(dataDir, 'supergraph.graphql'), 'utf8');
  const composed = composeServices(
    guildSubgraphs.map((name) => ({
      name,
      url: `http://0.0.0.0:4200/${name}`,
      typeDefs: parse(readFileSync(join(dataDir, 'subgraphs', `${name}.graphql`), 'utf8')),
    })),
  );
  if (composed.errors) throw new Error(`the Guild subgraphs do not compose: ${composed.errors.map((e) => e.message).join('; ')}`);
  if (print(parse(composed.supergraphSdl)) !== print(parse(given))) {
    throw new Error(`the Guild subgraphs compose to another supergraph than ${join(dataDir, 'supergraph.graphql')}`);
  }
  return given.replaceAll('http://0.0.0.0:4200', subgraphUrl);
}

/** Where `actual` first differs from `expected` (a JSON path and both values), key order aside; undefined when equal. */
function firstDifference(actual: unknown, expected: unknown, path = '$'): string | undefined {
  const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
  if (!isObject(actual) || !isObject(expected) || Array.isArray(actual) !== Array.isArray(expected)) {
    const show = (x: unknown) => (JSON.stringify(x) ?? 'undefined').slice(0, 120);
    return actual === expected ? undefined : `${path}: ${show(actual)}, expected ${show(expected)}`;
  }
  for (const key of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    const difference = firstDifference(
      actual[key],
      expected[key],
      Array.isArray(expected) ? `${path}[${key}]` : `${path}.${key}`,
    );
    if (difference) return difference;
  }
  return undefined;
}

/**
 * Checks every answer of one gateway: status 200 and a body equal to the expected response. A body
 * byte-equal to one already found equal passes at once; any other is parsed and compared in full.
 */
function answerCheck(expected: unknown) {
  let good: string | undefined;
  let bad: { body: string; problem: string } | undefined;
  const figures = { checked: 0, mismatches: 0, examples: new Set<string>() };
  return {
    figures,
    see(status: number, body: string) {
      figures.checked += 1;
      if (status === 200 && body === good) return;
      let problem: string | undefined;
      if (status !== 200) problem = `status ${status}: ${body.slice(0, 200)}`;
      else if (body === bad?.body) problem = bad.problem;
      else {
        try {
          problem = firstDifference(JSON.parse(body), expected);
        } catch {
          problem = `not JSON: ${body.slice(0, 200)}`;
        }
        if (problem === undefined) good ??= body;
        else bad = { body, problem };
      }
      if (problem === undefined) return;
      figures.mismatches += 1;
      if (figures.examples.size < 3) figures.examples.add(problem);
    },
  };
}
type AnswerCheck = ReturnType<typeof answerCheck>;

async function load(url: string, body: string, duration: number, check: AnswerCheck) {
  const result = await autocannon({
    url,
    method: 'POST',
    connections,
    duration,
    headers: { 'content-type': 'application/json' },
    body,
    requests: [{ onResponse: (status, answer) => check.see(status, answer) }],
  });
  return {
    total: result.requests.total,
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
  };
}

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  cpuMs: number;
  peakMiB: number;
  subgraphsMs: number;
  clientMs: number;
  /** CPU of everything else on the machine during the window, in % of one core. */
  othersPct: number;
  checked: number;
  mismatches: number;
  errors: number;
}

/** One gateway: start it, warm it up, measure `seconds`, stop it. */
async function measure(
  gateway: Gateway,
  port: number,
  supergraph: string,
  subgraphs: ChildProcess,
  body: string,
  expected: unknown,
): Promise<Row> {
  const child = gateway.start(supergraph, port);
  const url = `http://127.0.0.1:${port}/graphql`;
  try {
    await waitAnswering(url, body, child);
    const check = answerCheck(expected);
    await load(url, body, warmUpSeconds, check);
    const before = {
      gateway: cpuSeconds(child.pid!),
      subgraphs: cpuSeconds(subgraphs.pid!),
      client: process.cpuUsage(),
      machine: machineCpu(),
    };
    const run = await load(url, body, seconds, check);
    const client = process.cpuUsage(before.client);
    const machine = machineCpu();
    const used = {
      gateway: cpuSeconds(child.pid!) - before.gateway,
      subgraphs: cpuSeconds(subgraphs.pid!) - before.subgraphs,
      client: (client.user + client.system) / 1e6,
    };
    const perRequest = (cpu: number) => (cpu * 1000) / run.total;
    const { checked, mismatches, examples } = check.figures;
    const row: Row = {
      name: gateway.name,
      rps: run.total / run.seconds,
      p50: run.p50,
      p99: run.p99,
      cpuMs: perRequest(used.gateway),
      peakMiB: peakRssMiB(child.pid!),
      subgraphsMs: perRequest(used.subgraphs),
      clientMs: perRequest(used.client),
      othersPct: Math.max(
        0,
        ((machine.busy - before.machine.busy - used.gateway - used.subgraphs - used.client) / run.seconds) * 100,
      ),
      checked,
      mismatches,
      errors: run.errors,
    };
    console.log(
      `${row.name}: ${row.rps.toFixed(1)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms, CPU ${row.cpuMs.toFixed(2)} ms/request, ` +
        `peak RSS ${row.peakMiB} MiB; subgraphs ${row.subgraphsMs.toFixed(2)} ms/request, load client ${row.clientMs.toFixed(2)} ms/request, ` +
        `rest of the machine ${row.othersPct.toFixed(0)}% of a core; ${checked} answers checked (warm-up included), ` +
        `${mismatches} mismatches, ${run.errors} connection errors`,
    );
    for (const example of examples) console.log(`  MISMATCH ${example}`);
    return row;
  } finally {
    await stopProcess(child);
  }
}

function printTable(rows: Row[]) {
  const columns: [string, (r: Row) => string][] = [
    ['req/s', (r) => r.rps.toFixed(1)],
    ['p50 ms', (r) => String(r.p50)],
    ['p99 ms', (r) => String(r.p99)],
    ['CPU ms/req', (r) => r.cpuMs.toFixed(2)],
    ['peak RSS MiB', (r) => String(r.peakMiB)],
    ['subgraphs ms/req', (r) => r.subgraphsMs.toFixed(2)],
    ['client ms/req', (r) => r.clientMs.toFixed(2)],
    ['rest of machine %core', (r) => r.othersPct.toFixed(0)],
    [
      'answers',
      (r) =>
        `${r.checked - r.mismatches}/${r.checked} ok${r.errors > 0 ? `, ${r.errors} errors` : ''}${r.mismatches + r.errors > 0 ? ' FLAGGED' : ''}`,
    ],
  ];
  const cellsOf = (r: Row) => columns.map(([, cell]) => cell(r));
  const nameWidth = Math.max(...rows.map((r) => r.name.length), 'gateway'.length);
  const widths = columns.map(([title], i) => Math.max(title.length, ...rows.map((r) => cellsOf(r)[i]!.length)));
  const line = (name: string, cells: string[]) =>
    `| ${name.padEnd(nameWidth)} | ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
  const titles = columns.map(([title]) => title);
  console.log(line('gateway', titles));
  console.log(`|${'-'.repeat(nameWidth + 2)}|${widths.map((w) => `${'-'.repeat(w + 1)}:`).join('|')}|`);
  for (const row of rows) console.log(line(row.name, cellsOf(row)));
}

/** The targets of issue 12, when the run has the rows they compare. */
function printTargets(rows: Row[]) {
  const [meridian, noDedup, apollo, hive] = gateways.map((g) => rows.find((r) => r.name === g.name));
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  if (meridian && hive)
    console.log(`target Meridian (dedup) >= Hive Gateway + Rust planner in req/s: ${verdict(meridian.rps >= hive.rps)}`);
  if (noDedup && apollo) {
    console.log(
      `target ROUTER_DEDUP=false >= 1.5x plain @apollo/gateway (${(noDedup.rps / apollo.rps).toFixed(2)}x) and <= 10 ms CPU/request: ` +
        verdict(noDedup.rps >= 1.5 * apollo.rps && noDedup.cpuMs <= 10),
    );
  }
  if (meridian && apollo) {
    const peak = Math.max(meridian.peakMiB, noDedup?.peakMiB ?? 0);
    console.log(
      `target Meridian peak RSS <= plain @apollo/gateway's (${peak} vs ${apollo.peakMiB} MiB): ${verdict(peak <= apollo.peakMiB)}`,
    );
  }
}

const versionOf = (name: string) =>
  (JSON.parse(readFileSync(join(peersDir, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

export async function gatewayScenario(): Promise<void> {
  ensurePeers();
  const chosen = process.env.BENCH_GATEWAYS?.split(',') ?? gateways.map((g) => g.key);
  const unknown = chosen.filter((key) => !gateways.some((g) => g.key === key));
  if (unknown.length > 0)
    throw new Error(`BENCH_GATEWAYS: unknown ${unknown.join(', ')}; known: ${gateways.map((g) => g.key).join(', ')}`);

  const body = readFileSync(join(dataDir, 'request-body.json'), 'utf8');
  const expected: unknown = JSON.parse(readFileSync(join(dataDir, 'expected-response.json'), 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), 'meridian-bench-gateway-'));
  try {
    const supergraph = join(dir, 'supergraph.graphql');
    writeFileSync(supergraph, guildSupergraph(`http://127.0.0.1:${subgraphPort}`));
    // BENCH_ANSWER_CACHE=false: the subgraphs execute every request (see bench/guild/subgraphs.ts).
    const answerCache = process.env.BENCH_ANSWER_CACHE !== 'false';
    const subgraphs = node('bench/guild/subgraphs.ts', [dataDir, String(subgraphPort)], {
      NODE_ENV: 'production',
      ANSWER_CACHE: String(answerCache),
    });
    await waitHealthy(`http://127.0.0.1:${subgraphPort}/health`, { process: subgraphs });

    console.log(
      `scenario gateway: the Guild federation benchmark (TestQuery, 4 subgraphs in one local process, ` +
        `${answerCache ? 'each distinct subgraph request executed once' : 'every subgraph request executed'}), ${connections} connections, ` +
        `${warmUpSeconds} s warm-up then ${seconds} s measured per gateway, one gateway at a time; Node ${process.version}, ` +
        `@apollo/gateway ${versionOf('@apollo/gateway')}, @graphql-hive/gateway ${versionOf('@graphql-hive/gateway')}, ` +
        `@graphql-hive/router-runtime ${versionOf('@graphql-hive/router-runtime')}`,
    );
    const rows: Row[] = [];
    for (const [i, gateway] of gateways.entries()) {
      if (chosen.includes(gateway.key))
        rows.push(await measure(gateway, subgraphPort + 1 + i, supergraph, subgraphs, body, expected));
    }
    console.log('');
    printTable(rows);
    printTargets(rows);
    const flagged = rows.filter((r) => r.mismatches + r.errors > 0);
    if (flagged.length > 0) console.log(`answers NOT as expected from: ${flagged.map((r) => r.name).join(', ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
