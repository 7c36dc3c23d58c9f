import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessEventBus } from '#kit/events';
import { createLogger } from '#kit/logger';
import { createInProcessPubSub } from '#kit/pubsub';
import type { RunningSubgraph } from '#kit/subgraph-server';
import { createTestDatabase, postGraphQL, testSubgraphConfig, type TestDatabase } from '#kit/testing';
import { createPaymentsDb, createPaymentStore, type PaymentsDb } from './adapters/payment-store.ts';
import { startPaymentsSubgraph } from './subgraph.ts';

let database: TestDatabase;
let seedDb: PaymentsDb;
let subgraph: RunningSubgraph;
const bus = createInProcessEventBus(createLogger('test', 'silent'));

beforeAll(async () => {
  database = await createTestDatabase('payments');
  seedDb = createPaymentsDb(database.url, 1);
  subgraph = await startPaymentsSubgraph(testSubgraphConfig('payments', database.url), { bus, pubsub: createInProcessPubSub() });
});
afterAll(async () => {
  await subgraph.stop();
  await bus.close();
  await seedDb.$disconnect();
  await database.drop();
});

describe('payments subgraph over HTTP', () => {
  it('publishes its federation SDL with Payment as an entity and Order.payment', async () => {
    const { body } = await postGraphQL<{ _service: { sdl: string } }>(subgraph.url, '{ _service { sdl } }');
    const sdl = body.data!._service.sdl;
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

    const { status, body } = await postGraphQL(
      subgraph.url,
      `query ($representations: [_Any!]!) {
        _entities(representations: $representations) {
          ... on Order { id payment { id } }
          ... on Payment { id amount { amount } }
        }
      }`,
      {
        variables: {
          representations: [
            { __typename: 'Order', id: orderId },
            { __typename: 'Payment', id: paymentId },
          ],
        },
      },
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data?._entities).toEqual([{ id: orderId, payment: null }, null]);
  });

  it('a bearer token that is not a valid access token is refused as UNAUTHENTICATED', async () => {
    const { body } = await postGraphQL(subgraph.url, '{ __typename }', { token: 'not-a-jwt' });
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
