import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessEventBus, createLogger, type RunningSubgraph, type SubgraphConfig } from '#kit';
import { createTestDatabase, type TestDatabase } from '#kit/testing';
import { createOrderStore, createOrdersDb } from './adapters/prisma-order-store.ts';
import { startOrdersSubgraph } from './subgraph.ts';

let database: TestDatabase;
let subgraph: RunningSubgraph;
const orderId = crypto.randomUUID();
const buyerId = crypto.randomUUID();

beforeAll(async () => {
  database = await createTestDatabase('orders');
  const db = createOrdersDb(database.url, 1);
  await createOrderStore(db).saveOrder({
    id: orderId,
    buyerId,
    status: 'PENDING',
    currency: 'EUR',
    items: [{ productId: crypto.randomUUID(), quantity: 1, unitPriceAmount: 100 }],
    history: [{ status: 'PENDING', at: new Date() }],
  });
  await db.$disconnect();
  const config: SubgraphConfig = {
    name: 'orders',
    port: 0,
    host: '127.0.0.1',
    databaseUrl: database.url,
    databasePoolMax: 4,
    maxBodyBytes: 1_000_000,
    production: false,
    logLevel: 'silent',
    redisUrl: undefined,
    tokens: { jwksUrl: 'http://127.0.0.1:9/.well-known/jwks.json', issuer: 'meridian-auth', audience: 'meridian' },
  };
  subgraph = await startOrdersSubgraph(config, { bus: createInProcessEventBus(createLogger('test', 'silent')) });
});
afterAll(async () => {
  await subgraph?.stop();
  await database?.drop();
});

async function post<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>) {
  const response = await fetch(subgraph.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: response.status,
    body: (await response.json()) as { data?: T; errors?: { extensions?: { code?: string } }[] },
  };
}

describe('orders subgraph over HTTP', () => {
  it('publishes its SDL with the Order entity and its contribution to User', async () => {
    const { body } = await post<{ _service: { sdl: string } }>('{ _service { sdl } }');
    expect(body.data!._service.sdl).toMatch(/type Order\s+@key\(fields: "id"\)/);
    expect(body.data!._service.sdl).toMatch(/type User\s+@key\(fields: "id"\)\s*{[^}]*orders\(/);
  });

  it('resolves an order reference to null for an anonymous viewer, though the order exists', async () => {
    const { status, body } = await post(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id status } } }',
      {
        r: [{ __typename: 'Order', id: orderId }],
      },
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data!._entities).toEqual([null]);
  });

  it('answers a user reference, and refuses its orders to an anonymous viewer', async () => {
    const { body } = await post(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id orders { edges { cursor } } } } }',
      {
        r: [{ __typename: 'User', id: buyerId }],
      },
    );
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses myOrders to an anonymous viewer as UNAUTHENTICATED', async () => {
    const { body } = await post('{ myOrders { edges { cursor } } }');
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a bearer token it cannot verify rather than treating the caller as anonymous', async () => {
    const response = await fetch(subgraph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-jwt' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
