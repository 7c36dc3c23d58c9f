import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessEventBus, createLogger, type RunningSubgraph, type SubgraphConfig } from '#kit';
import { createTestDatabase, type TestDatabase } from '#kit/testing';
import { createPaymentsDb, createPaymentStore, type PaymentsDb } from './adapters/prisma-payment-store.ts';
import { startPaymentsSubgraph } from './subgraph.ts';

let database: TestDatabase;
let seedDb: PaymentsDb;
let subgraph: RunningSubgraph;
const bus = createInProcessEventBus(createLogger('test', 'silent'));

beforeAll(async () => {
  database = await createTestDatabase('payments');
  seedDb = createPaymentsDb(database.url, 1);
  const config: SubgraphConfig = {
    name: 'payments',
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
  subgraph = await startPaymentsSubgraph(config, { bus });
});
afterAll(async () => {
  await subgraph.stop();
  await bus.close();
  await seedDb.$disconnect();
  await database.drop();
});

async function post(query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(subgraph.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: response.status,
    body: (await response.json()) as { data?: Record<string, unknown>; errors?: { extensions?: { code?: string } }[] },
  };
}

describe('payments subgraph over HTTP', () => {
  it('publishes its federation SDL with Payment as an entity and Order.payment', async () => {
    const { body } = await post('{ _service { sdl } }');
    const sdl = (body.data?._service as { sdl: string }).sdl;
    expect(sdl).toMatch(/type Payment\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type Order\s+@key\(fields: "id"\)\s*\{[^}]*payment: Payment/);
  });

  it("an anonymous caller resolving an order's payment gets null, though the payment exists", async () => {
    const orderId = randomUUID();
    const paymentId = randomUUID();
    await createPaymentStore(seedDb).savePayment({
      id: paymentId,
      orderId,
      payerId: randomUUID(),
      amount: 2599,
      currency: 'EUR',
      status: 'SUCCEEDED',
      provider: 'simulated',
    });

    const { status, body } = await post(
      `query ($representations: [_Any!]!) {
        _entities(representations: $representations) {
          ... on Order { id payment { id } }
          ... on Payment { id amount { amount } }
        }
      }`,
      {
        representations: [
          { __typename: 'Order', id: orderId },
          { __typename: 'Payment', id: paymentId },
        ],
      },
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data?._entities).toEqual([{ id: orderId, payment: null }, null]);
  });

  it('a bearer token that is not a valid access token is refused as UNAUTHENTICATED', async () => {
    const response = await fetch(subgraph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-jwt' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
