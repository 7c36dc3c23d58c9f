/**
 * `npm run start:services`: the services mode on one machine. Builds `dist/` (incremental: about a
 * second when it is up to date, so it never runs stale code), migrates the databases, then runs each
 * subgraph and the router, compiled, as its own node process against the PostgreSQL, Redis and S3
 * named in the environment (defaults: the local servers, see .env.example), prefixing their output.
 * Stops them all on Ctrl-C; if one dies, stops the rest and exits non-zero. The web app is served from
 * this process (`WEB_PORT`, default 5173), built first when missing or older than its sources.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminPortOf } from '#kit/config';
import { defaultPorts, subgraphNames } from './topology.ts';
import { build, compiled } from './build.ts';
import { servicesEnv } from './services-env.ts';
import { waitHealthy } from '#kit/wait-healthy';
import { ensureWebBuild } from './web-build.ts';
import { sameHostRouterUrl, startWebServer, type RunningWebServer } from './web-server.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const env = servicesEnv(process.env);

console.log('building dist/ (npm run build, without the type check)');
try {
  build({ typeCheck: false });
} catch {
  process.exit(1); // tsc has printed why
}

/** Starts the compiled `script` (its source path); one node process, so signals reach the service itself. */
async function run(name: string, script: string, args: string[] = []): Promise<ChildProcess> {
  const child = spawn(process.execPath, [compiled(script), ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = `${name.padEnd(9)}| `;
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) process.stdout.write(prefix + line + '\n');
    });
  }
  return child;
}

const migration = await run('migrate', 'stack/src/migrate-all.ts');
const code = await new Promise<number | null>((r) => migration.on('exit', r));
if (code !== 0) process.exit(1);

const children: ChildProcess[] = [];
const byName = new Map<string, ChildProcess>();
let stopping = false;
let web: RunningWebServer | undefined;
const stopAll = (exitCode: number) => {
  if (stopping) return;
  stopping = true;
  void web?.stop();
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(exitCode), 3000).unref();
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.on('exit', r)) : null))).then(() =>
    process.exit(exitCode),
  );
};
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

// auth first: the others fetch its JWKS.
for (const name of ['auth', ...subgraphNames.filter((n) => n !== 'auth')] as const) {
  const child = await run(name, `subgraphs/${name}/src/main.ts`);
  children.push(child);
  byName.set(name, child);
  child.on('exit', (c) => !stopping && (console.error(`${name} exited with ${c}`), stopAll(1)));
  if (name === 'auth') await waitHealthy(`http://127.0.0.1:${env.AUTH_PORT}/health`, { process: child });
}
await Promise.all(
  subgraphNames.map((n) => waitHealthy(`http://127.0.0.1:${env[`${n.toUpperCase()}_PORT`]}/health`, { process: byName.get(n)! })),
);
// The text-extraction worker: documents fills its queue, it empties it.
const worker = await run('worker', 'subgraphs/documents/src/worker.ts');
children.push(worker);
worker.on('exit', (c) => !stopping && (console.error(`worker exited with ${c}`), stopAll(1)));
await waitHealthy(`http://127.0.0.1:${env.WORKER_HEALTH_PORT}/health`, { process: worker });

const router = await run('router', 'router/src/main.ts');
children.push(router);
router.on('exit', (c) => !stopping && (console.error(`router exited with ${c}`), stopAll(1)));
await waitHealthy(`http://127.0.0.1:${env.ROUTER_PORT}/health`, { process: router });
const adminPort = env.ROUTER_ADMIN_PORT || adminPortOf(Number(env.ROUTER_PORT));
const routerUrl = `http://127.0.0.1:${env.ROUTER_PORT}`;
const webLine = await ensureWebBuild()
  .then(() =>
    startWebServer({
      port: Number(env.WEB_PORT ?? 5173),
      host: env.WEB_HOST ?? '127.0.0.1',
      routerUrl: sameHostRouterUrl(routerUrl),
    }),
  )
  .then(
    (running) => ((web = running), `web app: ${running.url}/`),
    (error: Error) => `web app not served: ${error.message.split('\n')[0]}`,
  );
// Each subgraph's /metrics: <NAME>_ADMIN_PORT, else its port + 1000 (left to the subgraph, so a replica on another port moves with it).
const subgraphMetrics = subgraphNames
  .map((n) => `${n} :${env[`${n.toUpperCase()}_ADMIN_PORT`] || adminPortOf(Number(env[`${n.toUpperCase()}_PORT`]))}`)
  .join(', ');
console.log(
  `\nMeridian services are up: ${routerUrl}/ (router port ${defaultPorts.router} by default); metrics: http://127.0.0.1:${adminPort}/metrics; ${webLine}\n` +
    `subgraph metrics (/metrics on their admin ports): ${subgraphMetrics}\n`,
);
