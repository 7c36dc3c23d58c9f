/**
 * End to end on the services mode: `npm run start:services` runs every subgraph and the router as
 * separate processes on the machine's PostgreSQL and Redis; the queries go through the router.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraphNames } from './topology.ts';
import { waitHealthy } from '#kit/wait-healthy';
import {
  graphql,
  loginAs,
  meQuery,
  prepareServicesFixture,
  productsQuery,
  signUpAndAwaitProfile,
  type ServicesFixture,
} from './test-stack.ts';

const root = new URL('../../', import.meta.url).pathname;
const basePort = 20_000 + Math.floor(Math.random() * 400) * 10;
const routerUrl = `http://127.0.0.1:${basePort}`;
// After the router, the six subgraphs and the worker.
const webUrl = `http://127.0.0.1:${basePort + 8}`;
let fixture: ServicesFixture;
let services: ChildProcess;
let output = '';

beforeAll(async () => {
  fixture = await prepareServicesFixture({ namespace: `test-services-${basePort}`, basePort });
  services = spawn(join(root, 'node_modules/.bin/tsx'), [join(root, 'stack/src/services.ts')], {
    env: { ...(process.env as Record<string, string>), ...fixture.env, WEB_PORT: String(basePort + 8) },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  services.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  services.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  await waitHealthy(`${routerUrl}/health`, { timeoutMs: 90_000, process: services, describe: () => output });
}, 120_000);

afterAll(async () => {
  if (services && services.exitCode === null) {
    const exited = new Promise((r) => services.on('exit', r));
    process.kill(-services.pid!, 'SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 8000))]);
    if (services.exitCode === null) process.kill(-services.pid!, 'SIGKILL');
  }
  await fixture?.stop(); // the databases, the Redis streams and groups of EVENTS_NAMESPACE, S3
});

describe('services mode, end to end (separate processes, real PostgreSQL and Redis)', () => {
  it('runs eight processes: six subgraphs, the document worker and the router', async () => {
    for (let i = 1; i <= 7; i += 1) expect((await fetch(`http://127.0.0.1:${basePort + i}/health`)).status).toBe(200);
  });

  it("serves each subgraph's /metrics on its admin port (port + 1000, loopback), not on its public one", async () => {
    for (const name of subgraphNames) {
      const port = fixture.ports[name];
      const metrics = await fetch(`http://127.0.0.1:${port + 1000}/metrics`);
      expect(metrics.status, name).toBe(200);
      expect(await metrics.text()).toContain(
        `meridian_subgraph_http_request_duration_seconds_count{subgraph="${name}",status="200"}`,
      );
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status, name).toBe(404);
    }
  });

  it('serves the web app, built when missing, pointed at this router', async () => {
    // The app is served once the router is up (and the build, if one was needed, is done).
    await waitHealthy(`${webUrl}/config.json`, { timeoutMs: 60_000, process: services, describe: () => output });
    expect(await (await fetch(`${webUrl}/config.json`)).json()).toEqual({ routerUrl });
    const page = await fetch(`${webUrl}/orders/any`);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<div id="root">');
    await expect.poll(() => output).toContain(`web app: ${webUrl}/`);
  }, 70_000);

  it('answers the product query through the router', async () => {
    const result = await graphql<{ products: { edges: { node: { name: string } }[] } }>(routerUrl, productsQuery);
    expect(result.body.data?.products.edges.map((e) => e.node.name)).toEqual(['Schema pen', 'Resolver hoodie', 'Tote bag']);
  });

  it("answers the demo customer's cross-subgraph `me` through the router", async () => {
    const token = await loginAs(routerUrl);
    const result = await graphql<{ me: any }>(routerUrl, meQuery, { token });
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data?.me.displayName).toBe('Ada Lovelace');
    expect(result.body.data?.me.roles).toEqual(['CUSTOMER']);
    expect(result.body.data?.me.orders.edges.map((e: any) => e.node.status)).toEqual(['PENDING', 'CANCELLED', 'CONFIRMED']);
    expect(result.body.data?.me.orders.edges[2].node.items[0]).toEqual({ quantity: 2, product: { name: 'Meridian mug' } });
    expect(result.body.data?.me.documents.map((d: any) => d.filename)).toEqual(['invoice-draft.txt', 'receipt-2026-11-02.txt']);
  });

  it('a sign-up in auth becomes a profile in users through the outbox and Redis Streams', async () => {
    const email = `e2e-${basePort}@meridian.dev`;
    const result = await signUpAndAwaitProfile(routerUrl, {
      email,
      password: 'a long fresh password',
      displayName: 'Across Processes',
    });
    expect(result.meAtOnce.errors).toBeUndefined();
    expect(result.profile).toEqual({ displayName: 'Across Processes', email });
  });

  it('a token is verified by the subgraph itself: a forged identity header sent straight to orders gets nothing', async () => {
    const result = await graphql(`http://127.0.0.1:${fixture.ports.orders}`, '{ myOrders { edges { node { id } } } }', {
      headers: { 'x-user-id': '5b0c2d4e-0000-4000-8000-000000000001', 'x-roles': 'ADMIN' },
    });
    expect(result.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
