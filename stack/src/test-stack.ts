/**
 * Test harness: the whole supergraph in this process on the machine's real PostgreSQL (a fresh
 * database per subgraph, dropped afterwards), with the demo data, and a GraphQL client for it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Role } from '#kit/auth';
import { subgraphNames, type SubgraphName } from './topology.ts';
import { createLogger } from '#kit/logger';
import { createTestDatabase, dropRedisNamespace, postGraphQL, testRedisUrl, type TestDatabase } from '#kit/testing';
import { startTestS3, type TestS3 } from '../../subgraphs/documents/src/index.ts';
import { demoPassword, demoUsers, demoWarehouses } from './demo-data.ts';
import { startEmbeddedStack, type EmbeddedOptions, type EmbeddedStack } from './embedded.ts';
import { seedDemoData } from './seed.ts';
import { servicesEnv } from './services-env.ts';
import { startRouter, type RouterOptions, type RunningRouter } from '../../router/src/router.ts';
import { defaultRateLimits } from '../../router/src/rate-limits.ts';
import { createAuthDb, createKeyRing, scopesOf } from '../../subgraphs/auth/src/index.ts';

/** POSTs a GraphQL operation to the router; `token` becomes the bearer token. */
export const graphql = postGraphQL;

/** Logs in through the router as a demo user and returns the access token. */
export async function loginAs(url: string, email: string = demoUsers[0]!.email, password = demoPassword): Promise<string> {
  const result = await graphql<{ login: { accessToken: string } }>(
    url,
    'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }',
    { variables: { input: { email, password } } },
  );
  const token = result.body.data?.login.accessToken;
  if (!token) throw new Error(`login failed: ${JSON.stringify(result.body.errors)}`);
  return token;
}

export interface TestStack extends EmbeddedStack {
  url: string;
  dataDir: string;
  /** Another router on the same subgraphs ({@link routerOptionsOn} with `changes`), stopped with the stack. */
  anotherRouter(changes?: Partial<RouterOptions>): Promise<RunningRouter>;
}

/** The options of another router on a test stack's subgraphs (any free port, silent); spread changes over them. */
export function routerOptionsOn(stack: TestStack): RouterOptions {
  return {
    supergraphPath: join(stack.dataDir, 'supergraph.graphql'),
    port: 0,
    production: false,
    maxBodyBytes: 256 * 1024,
    tokens: { jwksUrl: `${stack.subgraphs.auth.http.url}/.well-known/jwks.json`, issuer: 'meridian-auth', audience: 'meridian' },
    logger: createLogger('router', 'silent'),
  };
}

/** Starts the in-process stack on fresh real-PostgreSQL databases; `stop()` drops them. */
export async function startTestStack(options: Partial<EmbeddedOptions> = {}): Promise<TestStack> {
  const databases = {} as Record<SubgraphName, TestDatabase>;
  for (const name of subgraphNames) databases[name] = await createTestDatabase(name);
  const dataDir = mkdtempSync(join(tmpdir(), 'meridian-test-'));
  const stack = await startEmbeddedStack({
    dataDir,
    routerPort: 0,
    subgraphPorts: 'ephemeral',
    logLevel: 'silent',
    databaseUrls: Object.fromEntries(subgraphNames.map((n) => [n, databases[n].url])) as Record<SubgraphName, string>,
    ...options,
  });
  const others: RunningRouter[] = [];
  const testStack: TestStack = {
    ...stack,
    url: stack.router.url,
    dataDir,
    async anotherRouter(changes = {}) {
      const router = await startRouter({ ...routerOptionsOn(testStack), ...changes });
      others.push(router);
      return router;
    },
    async stop() {
      for (const router of others) await router.stop();
      await stack.stop();
      for (const name of subgraphNames) await databases[name].drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return testStack;
}

/** Every costly mutation's budget wide open (tests sign up and place orders by the dozen from one address). */
const wideBudgets = Object.keys(defaultRateLimits.fields)
  .map((field) => `${field}=10000/s`)
  .join(',');

/** The services mode's ports from `basePort`: the router on it, the six subgraphs after it, then the worker's health. */
export function servicePorts(basePort: number) {
  return {
    router: basePort,
    ...(Object.fromEntries(subgraphNames.map((name, i) => [name, basePort + 1 + i])) as Record<SubgraphName, number>),
    worker: basePort + 1 + subgraphNames.length,
  };
}

export interface ServicesFixture {
  ports: ReturnType<typeof servicePorts>;
  databases: Record<SubgraphName, TestDatabase>;
  /** The environment of every service process (as `servicesEnv` completes it): ports, databases, Redis, S3. */
  env: Record<string, string>;
  /** Drops the databases and the Redis namespace, stops S3 and deletes its files (stop the processes first). */
  stop(): Promise<void>;
}

/**
 * What tests of the services mode run on: a fresh real-PostgreSQL database per subgraph with the demo
 * data, an embedded S3, the Redis event streams under `namespace`, and ports from `basePort`.
 */
export async function prepareServicesFixture(options: { namespace: string; basePort: number }): Promise<ServicesFixture> {
  const ports = servicePorts(options.basePort);
  const databases = {} as Record<SubgraphName, TestDatabase>;
  let s3: TestS3 | undefined;
  const stop = async () => {
    await s3?.stop();
    for (const name of subgraphNames) await databases[name]?.drop();
    await dropRedisNamespace(options.namespace);
  };
  try {
    for (const name of subgraphNames) databases[name] = await createTestDatabase(name);
    const urls = Object.fromEntries(subgraphNames.map((n) => [n, databases[n].url])) as Record<SubgraphName, string>;
    s3 = await startTestS3();
    await seedDemoData(urls, s3.config, createLogger('seed', 'silent'));
    const env = servicesEnv({
      LOG_LEVEL: 'warn',
      REDIS_URL: testRedisUrl,
      EVENTS_NAMESPACE: options.namespace,
      ROUTER_PORT: String(ports.router),
      // The router's buckets in this stack's namespace (dropped with it), wide enough for any test.
      ROUTER_RATE_LIMIT_PREFIX: `${options.namespace}:router-limits:`,
      ROUTER_RATE_LIMIT_USER: '10000/s',
      ROUTER_RATE_LIMIT_ANONYMOUS: '10000/s',
      ROUTER_RATE_LIMIT_MUTATIONS: wideBudgets,
      WORKER_HEALTH_PORT: String(ports.worker),
      ...s3.env,
      ...Object.fromEntries(
        subgraphNames.flatMap((name) => [
          [`${name.toUpperCase()}_PORT`, String(ports[name])],
          [`${name.toUpperCase()}_DATABASE_URL`, urls[name]],
        ]),
      ),
    });
    return { ports, databases, env, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export const placeOrderMutation = `mutation ($input: PlaceOrderInput!, $key: String!) {
  placeOrder(input: $input, idempotencyKey: $key) { id status total { amount } }
}`;

/**
 * Places an order of `quantity` (default 1) of `productId` at `url` (the router, or the orders
 * subgraph itself); `key` is the idempotency key (default: a new one). Throws on any GraphQL error.
 */
export async function placeOrder(
  url: string,
  token: string,
  order: { productId: string; paymentMethod?: string; quantity?: number; key?: string },
) {
  const { productId, paymentMethod = 'tok_visa', quantity = 1, key = randomUUID() } = order;
  const result = await graphql<{ placeOrder: { id: string; status: string; total: { amount: number } | null } }>(
    url,
    placeOrderMutation,
    { token, variables: { input: { items: [{ productId, quantity }], paymentMethod }, key } },
  );
  if (result.body.errors || !result.body.data) throw new Error(`placeOrder failed: ${JSON.stringify(result.body.errors)}`);
  return result.body.data.placeOrder;
}

/** The cross-subgraph queries. */
export const productsQuery = '{ products(first: 3) { edges { node { name price { amount currency } } } } }';
export const meQuery = `{ me { displayName roles orders(first: 5) { edges { node { status total { amount }
  items { quantity product { name } } payment { status } } } } documents { filename status } } }`;

/**
 * Signs up through the router, asks `me` at once (answered from the token while the profile is
 * being created), then waits until the users subgraph holds the profile (`user(id)` has no such
 * fallback, so a non-null answer proves `user.registered` went through the bus).
 */
export async function signUpAndAwaitProfile(url: string, input: { email: string; password: string; displayName: string }) {
  const signUp = await graphql<{ signUp: { accessToken: string; user: { id: string } } }>(
    url,
    'mutation ($input: SignUpInput!) { signUp(input: $input) { accessToken user { id } } }',
    { variables: { input } },
  );
  const { accessToken: token, user } = signUp.body.data!.signUp;
  const meAtOnce = (await graphql<{ me: { displayName: string } | null }>(url, '{ me { displayName } }', { token })).body;
  let profile: { displayName: string; email: string } | null = null;
  for (let i = 0; i < 100 && !profile; i += 1) {
    const result = await graphql<{ user: { displayName: string; email: string } | null }>(
      url,
      'query ($id: ID!) { user(id: $id) { displayName email } }',
      { token, variables: { id: user.id } },
    );
    profile = result.body.data?.user ?? null;
    if (!profile) await new Promise((r) => setTimeout(r, 100));
  }
  return { token, userId: user.id, meAtOnce, profile };
}

/**
 * Access tokens for `count` new users with `roles`, signed with the auth subgraph's own current key
 * (read from its database), so the router and every subgraph verify them as they would a login's.
 * Saves the tests and benchmarks from signing up hundreds of customers (scrypt, rate limits).
 */
export async function mintAccessTokens(
  authDatabaseUrl: string,
  count: number,
  roles: Role[] = ['CUSTOMER'],
  ttlSeconds = 3600,
  /** Mint for this user (e.g. a refreshed token); default: a new user per token. */
  forUser?: string,
): Promise<{ userId: string; token: string }[]> {
  const db = createAuthDb(authDatabaseUrl, 1);
  try {
    const keys = await createKeyRing(db, { issuer: 'meridian-auth', audience: 'meridian' });
    return await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const userId = forUser ?? randomUUID();
        const claims = {
          sub: userId,
          roles,
          scope: scopesOf(roles).join(' '),
          email: `user${i}@example.test`,
          name: `User ${i}`,
        };
        return { userId, token: (await keys.sign(claims, ttlSeconds)).token };
      }),
    );
  } finally {
    await db.$disconnect();
  }
}

/** Adds (a negative `delta`: removes) units of a product in the first demo warehouse, as `adminToken`, through the router at `url`. */
export async function adjustDemoStock(url: string, adminToken: string, productId: string, delta: number, reason = 'test intake') {
  const adjusted = await graphql(url, 'mutation ($input: StockAdjustmentInput!) { adjustStock(input: $input) { onHand } }', {
    token: adminToken,
    variables: { input: { productId, warehouseId: demoWarehouses[0]!.id, delta, reason } },
  });
  if (adjusted.body.errors) throw new Error(`adjustStock failed: ${JSON.stringify(adjusted.body.errors)}`);
}

/** A new product (sku `<skuPrefix>-<random>`) with `units` in the first demo warehouse, through the router at `url`; returns its id. */
export async function createProductWithStock(
  url: string,
  adminToken: string,
  product: { name: string; units: number; priceAmount?: number; currency?: string; skuPrefix?: string; reason?: string },
): Promise<string> {
  const created = await graphql<{ createProduct: { id: string } }>(
    url,
    'mutation ($input: ProductInput!) { createProduct(input: $input) { id } }',
    {
      token: adminToken,
      variables: {
        input: {
          sku: `${product.skuPrefix ?? 'TEST'}-${randomUUID().slice(0, 8)}`,
          name: product.name,
          price: { amount: product.priceAmount ?? 1500, currency: product.currency ?? 'EUR' },
        },
      },
    },
  );
  if (!created.body.data) throw new Error(`createProduct failed: ${JSON.stringify(created.body.errors)}`);
  const productId = created.body.data.createProduct.id;
  if (product.units !== 0) await adjustDemoStock(url, adminToken, productId, product.units, product.reason);
  return productId;
}
