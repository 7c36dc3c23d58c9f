/**
 * Per-client rate limits at the router, over the six real subgraphs and the machine's Redis (under a
 * namespace of this file, dropped at the end): buckets shared by two routers (instances and
 * processes), 429 with Retry-After, aliased costly mutations counted one by one, no overshoot under
 * concurrency, user and anonymous buckets apart, graphql-ws refusals, in-process buckets, and what
 * happens while Redis is out of reach; and the documents quota as a client of the router meets it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startRedisServer, type RedisServer } from '#kit/fault-injection';
import { waitHealthy } from '#kit/wait-healthy';
import { createRedisTokenBuckets, type TokenBucket } from '#kit/rate-limiter';
import { dropRedisNamespace, eventually, testRedisUrl } from '#kit/testing';
import { connectLive, watch, type LiveConnection } from '#kit/live-client';
import { graphql, loginAs, startTestStack, type TestStack } from '../test-stack.ts';
import { type RouterOptions } from '../../../router/src/router.ts';
import { costlyFieldsOf, type RateLimitSettings } from '../../../router/src/rate-limits.ts';
import { parse, getOperationAST } from 'graphql';

let stack: TestStack;
const redis = new Redis(testRedisUrl);
const namespace = `meridian-test-router-limits-${randomUUID()}`;
const processes: ChildProcess[] = [];
const connections: LiveConnection[] = [];

beforeAll(async () => {
  // The demo customer keeps 2 documents: a quota of 3 leaves room for one more.
  stack = await startTestStack({ tuning: { documents: { quota: { maxDocuments: 3, maxBytes: 1_000_000 } } } });
});
afterAll(async () => {
  for (const connection of connections) await connection.dispose();
  for (const child of processes) child.kill('SIGTERM');
  await stack?.stop();
  await redis.quit();
  await dropRedisNamespace(namespace);
});

const wide: TokenBucket = { rate: 10_000, periodMs: 1000, burst: 10_000 };
const perHour = (burst: number): TokenBucket => ({ rate: burst, periodMs: 3_600_000, burst });

const clients: Redis[] = [];
/** Settings with buckets under a fresh prefix of this file's namespace (each test its own buckets). */
function sharedSettings(settings: Partial<RateLimitSettings>, prefix = `${namespace}:${randomUUID()}:`): RateLimitSettings {
  return { user: wide, anonymous: wide, fields: {}, shared: createRedisTokenBuckets(redis, { prefix }), ...settings };
}
/** The same settings on a Redis connection of its own, as another router replica has. */
function replicaOf(settings: RateLimitSettings, prefix: string): RateLimitSettings {
  const client = new Redis(testRedisUrl);
  clients.push(client);
  return { ...settings, shared: createRedisTokenBuckets(client, { prefix }) };
}

const limitedRouter = (rateLimits: RateLimitSettings, options: Partial<RouterOptions> = {}) =>
  stack.anotherRouter({ rateLimits, ...options });

const codesOf = (body: { errors?: { extensions?: Record<string, unknown> }[] }) =>
  (body.errors ?? []).map((e) => e.extensions?.code);
const products = '{ products(first: 1) { edges { node { name } } } }';
const order = { items: [{ productId: randomUUID(), quantity: 1 }] };
/** `count` aliased placeOrder fields (anonymous: admitted ones fail UNAUTHENTICATED, nothing is placed). */
const placeOrders = (count: number) =>
  `mutation ($input: PlaceOrderInput!) { ${Array.from({ length: count }, (_, i) => `o${i}: placeOrder(input: $input, idempotencyKey: "k${i}") { id }`).join(' ')} }`;

describe('router rate limits on Redis', () => {
  it('two routers on one Redis share a bucket: the 6th request of a burst of 5 is refused with 429, Retry-After and retryAfterSeconds', async () => {
    const prefix = `${namespace}:${randomUUID()}:`;
    const settings = sharedSettings({ anonymous: { rate: 5, periodMs: 60_000, burst: 5 } }, prefix);
    const [a, b] = [await limitedRouter(settings), await limitedRouter(replicaOf(settings, prefix))];
    for (const router of [a, b, a, b, a]) expect((await graphql(router.url, products)).status).toBe(200);
    const refused = await graphql(b.url, products);
    expect(refused.status).toBe(429);
    expect(codesOf(refused.body)).toEqual(['RATE_LIMITED']);
    const retryAfter = (refused.body.errors![0]!.extensions as { retryAfterSeconds: number }).retryAfterSeconds;
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(12);
    expect(refused.headers.get('retry-after')).toBe(String(retryAfter));
    expect(refused.body.data).toBeUndefined();
    expect(refused.body.errors![0]!.message).toMatch(/Too many requests; try again in \d+ s/);
  });

  it('a burst of 60 concurrent requests through two routers cannot overshoot a bucket of 10', async () => {
    const prefix = `${namespace}:${randomUUID()}:`;
    const settings = sharedSettings({ anonymous: { rate: 1, periodMs: 60_000, burst: 10 } }, prefix);
    const [a, b] = [await limitedRouter(settings), await limitedRouter(replicaOf(settings, prefix))];
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => graphql(i % 2 ? a.url : b.url, products)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(10);
    expect(results.filter((r) => r.status === 429)).toHaveLength(50);
  });

  it('a mutation repeating placeOrder under 100 aliases counts 100 times and is refused; 3 aliases take 3 tokens of the budget', async () => {
    // The document limits allow 100 aliases here (by default they refuse such a document before any count).
    const router = await limitedRouter(sharedSettings({ fields: { placeOrder: perHour(5) } }), {
      limits: { maxAliases: 1000, maxSelections: 10_000, maxRootFields: 1000 },
    });
    const hundred = await graphql(router.url, placeOrders(100), { variables: { input: order } });
    expect(hundred.status).toBe(429);
    expect(codesOf(hundred.body)).toEqual(['RATE_LIMITED']);
    expect(hundred.body.errors![0]!.message).toBe(
      'An operation may call placeOrder at most 5 times; this one calls it 100 times',
    );
    // Admitted (then refused by authorization: nothing is placed): 3 of 5 tokens taken.
    const three = await graphql(router.url, placeOrders(3), { variables: { input: order } });
    expect(codesOf(three.body)).not.toContain('RATE_LIMITED');
    const again = await graphql(router.url, placeOrders(3), { variables: { input: order } });
    expect(again.status).toBe(429);
    expect(again.body.errors![0]!.message).toMatch(/^Too many placeOrder calls; try again in \d+ s$/);
    // Two are left: fields dropped by @skip / @include take none.
    const skipped = `mutation ($input: PlaceOrderInput!, $no: Boolean!) {
      a: placeOrder(input: $input, idempotencyKey: "a") { id }
      b: placeOrder(input: $input, idempotencyKey: "b") @skip(if: true) { id }
      ... @include(if: $no) { c: placeOrder(input: $input, idempotencyKey: "c") { id } }
      ...twice ...twice
    }
    fragment twice on Mutation { d: placeOrder(input: $input, idempotencyKey: "d") { id } }`;
    const admitted = await graphql(router.url, skipped, { variables: { input: order, no: false } });
    expect(codesOf(admitted.body)).not.toContain('RATE_LIMITED');
    expect((await graphql(router.url, placeOrders(1), { variables: { input: order } })).status).toBe(429);
  });

  it('anonymous and signed-in callers draw on separate buckets, and each user on their own', async () => {
    const token = await loginAs(stack.url);
    const router = await limitedRouter(
      sharedSettings({ anonymous: { rate: 1, periodMs: 60_000, burst: 2 }, user: { rate: 1, periodMs: 60_000, burst: 3 } }),
    );
    for (let i = 0; i < 2; i++) expect((await graphql(router.url, products)).status).toBe(200);
    expect((await graphql(router.url, products)).status).toBe(429);
    // Same address, signed in: the user's own bucket of 3.
    for (let i = 0; i < 3; i++) expect((await graphql(router.url, products, { token })).status).toBe(200);
    const refused = await graphql(router.url, products, { token });
    expect(refused.status).toBe(429);
    expect(codesOf(refused.body)).toEqual(['RATE_LIMITED']);
  });

  it('over graphql-ws a refused operation is an `error` message with RATE_LIMITED and retryAfterSeconds', async () => {
    const router = await limitedRouter(sharedSettings({ anonymous: { rate: 1, periodMs: 60_000, burst: 1 } }));
    const connection = connectLive(router.url);
    connections.push(connection);
    const first = watch(connection, products);
    expect((await first.ended).error).toBeUndefined();
    expect(first.results[0]?.data).toBeTruthy();
    const { error } = await watch(connection, products).ended;
    const errors = error as { message: string; extensions: Record<string, unknown> }[];
    expect(errors.map((e) => e.extensions.code)).toEqual(['RATE_LIMITED']);
    expect(errors[0]!.extensions.retryAfterSeconds).toBeGreaterThan(0);
    expect(errors[0]!.extensions.http).toBeUndefined();
  });
});

describe('two router processes (services mode)', () => {
  /** `router/src/main.ts` as services mode starts it, on this stack's supergraph and the machine's Redis. */
  async function routerProcess(env: Record<string, string>): Promise<string> {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('../../../router/src/main.ts', import.meta.url)), '--port', String(port)],
      {
        env: {
          ...process.env,
          NODE_ENV: 'production',
          LOG_LEVEL: 'warn',
          SUPERGRAPH_PATH: join(stack.dataDir, 'supergraph.graphql'),
          AUTH_JWKS_URL: `${stack.subgraphs.auth.http.url}/.well-known/jwks.json`,
          REDIS_URL: testRedisUrl,
          ...env,
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    processes.push(child);
    const url = `http://127.0.0.1:${port}`;
    await waitHealthy(`${url}/health`);
    return url;
  }

  it('share the buckets of REDIS_URL: of 16 concurrent requests through both, 4 pass; signUp ×6 in one mutation is refused', async () => {
    const env = { ROUTER_RATE_LIMIT_PREFIX: `${namespace}:${randomUUID()}:`, ROUTER_RATE_LIMIT_ANONYMOUS: '1/m burst 4' };
    const [a, b] = await Promise.all([routerProcess(env), routerProcess(env)]);
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => graphql(i % 2 ? a : b, products)));
    expect(results.map((r) => r.status).sort()).toEqual([...Array(4).fill(200), ...Array(12).fill(429)]);
    const refused = results.find((r) => r.status === 429)!;
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(codesOf(refused.body)).toEqual(['RATE_LIMITED']);
    // The default budgets apply: signUp at most 5 per operation (and per hour).
    const signUps = `mutation { ${Array.from({ length: 6 }, (_, i) => `s${i}: signUp(input: { email: "x${i}@example.com", password: "correct horse battery", displayName: "X" }) { accessToken }`).join(' ')} }`;
    const manySignUps = await graphql(a, signUps);
    expect(manySignUps.body.errors?.[0]?.message).toBe('An operation may call signUp at most 5 times; this one calls it 6 times');
  }, 60_000);
});

describe('router rate limits in this process (embedded mode)', () => {
  it('counts without Redis: the 4th request of a bucket of 3 is refused', async () => {
    const router = await limitedRouter({ user: wide, anonymous: { rate: 1, periodMs: 60_000, burst: 3 }, fields: {} });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await graphql(router.url, products)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});

describe('router rate limits while Redis is out of reach', () => {
  let server: RedisServer;
  let client: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
    client = new Redis(server.url, { maxRetriesPerRequest: 1 }).on('error', () => {});
  });
  afterAll(async () => {
    client.disconnect();
    await server.stop();
  });

  it('refuses costly mutations with SERVICE_UNAVAILABLE (503, Retry-After) and serves reads on per-replica buckets', async () => {
    const router = await limitedRouter({
      user: wide,
      anonymous: { rate: 1, periodMs: 60_000, burst: 2 },
      fields: { placeOrder: perHour(5) },
      shared: createRedisTokenBuckets(client, { prefix: 'down:', timeoutMs: 300 }),
    });
    expect((await graphql(router.url, products)).status).toBe(200);
    await server.kill();
    const mutation = await graphql(router.url, placeOrders(1), { variables: { input: order } });
    expect(mutation.status).toBe(503);
    expect(codesOf(mutation.body)).toEqual(['SERVICE_UNAVAILABLE']);
    expect(mutation.headers.get('retry-after')).toBe('5');
    // Reads go on, counted in this router's memory: still bounded.
    expect((await graphql(router.url, products)).status).toBe(200);
    expect((await graphql(router.url, products)).status).toBe(200);
    expect((await graphql(router.url, products)).status).toBe(429);
    await server.start();
    await eventually(
      async () =>
        !codesOf((await graphql(router.url, placeOrders(1), { variables: { input: order } })).body).includes(
          'SERVICE_UNAVAILABLE',
        ),
      'costly mutations are counted again',
      10_000,
      200,
    );
  });
});

describe('the documents quota through the router', () => {
  it("the upload past the per-user count is refused with QUOTA_EXCEEDED, the subgraph's code passed through", async () => {
    const token = await loginAs(stack.url);
    const upload = `mutation { createDocumentUpload(input: { filename: "notes.txt", contentType: "text/plain", size: 10 }) { document { id } } }`;
    const first = await graphql(stack.url, upload, { token });
    expect(first.body.errors).toBeUndefined();
    const refused = await graphql(stack.url, upload, { token });
    expect(codesOf(refused.body)).toEqual(['QUOTA_EXCEEDED']);
    expect(refused.body.errors![0]!.message).toBe('You may keep at most 3 documents; delete some to upload more');
  });
});

describe('costlyFieldsOf', () => {
  it('counts each response key once, aliases apart, after @skip/@include', () => {
    const document =
      parse(`mutation ($yes: Boolean!) { a: login(input: {}) { x } a: login(input: {}) { x } b: login(input: {}) { x }
      login(input: {}) @include(if: $yes) { x } signUp(input: {}) @skip(if: $yes) { x } ... on Mutation { c: login(input: {}) { x } } }`);
    const counts = costlyFieldsOf(document, getOperationAST(document)!, { yes: false }, new Set(['login', 'signUp']));
    expect(Object.fromEntries(counts)).toEqual({ login: 3, signUp: 1 });
  });
});
