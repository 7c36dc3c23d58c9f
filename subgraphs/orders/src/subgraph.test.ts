import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessEventBus } from '#kit/events';
import { createLogger } from '#kit/logger';
import { createInProcessPubSub } from '#kit/pubsub';
import type { RunningSubgraph } from '#kit/subgraph-server';
import { createTestDatabase, postGraphQL, testSubgraphConfig, type TestDatabase } from '#kit/testing';
import { createOrderStore, createOrdersDb } from './adapters/order-store.ts';
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
  subgraph = await startOrdersSubgraph(testSubgraphConfig('orders', database.url), {
    bus: createInProcessEventBus(createLogger('test', 'silent')),
    pubsub: createInProcessPubSub(),
  });
});
afterAll(async () => {
  await subgraph?.stop();
  await database?.drop();
});

describe('orders subgraph over HTTP', () => {
  it('publishes its SDL with the Order entity and its contribution to User', async () => {
    const { body } = await postGraphQL<{ _service: { sdl: string } }>(subgraph.url, '{ _service { sdl } }');
    expect(body.data!._service.sdl).toMatch(/type Order\s+@key\(fields: "id"\)/);
    expect(body.data!._service.sdl).toMatch(/type User\s+@key\(fields: "id"\)\s*{[^}]*orders\(/);
  });

  it('resolves an order reference to null for an anonymous viewer, though the order exists', async () => {
    const { status, body } = await postGraphQL(
      subgraph.url,
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id status } } }',
      { variables: { r: [{ __typename: 'Order', id: orderId }] } },
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data!._entities).toEqual([null]);
  });

  it('answers a user reference, and refuses its orders to an anonymous viewer', async () => {
    const { body } = await postGraphQL(
      subgraph.url,
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id orders { edges { cursor } } } } }',
      { variables: { r: [{ __typename: 'User', id: buyerId }] } },
    );
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses myOrders to an anonymous viewer as UNAUTHENTICATED', async () => {
    const { body } = await postGraphQL(subgraph.url, '{ myOrders { edges { cursor } } }');
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a bearer token it cannot verify rather than treating the caller as anonymous', async () => {
    const { body } = await postGraphQL(subgraph.url, '{ __typename }', { token: 'not-a-jwt' });
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('orders subgraph /metrics', () => {
  const metrics = async () => (await fetch(`${subgraph.adminUrl}/metrics`)).text();

  it('is served on its admin listener, on loopback, and answers 404 on the public port', async () => {
    expect(subgraph.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(subgraph.adminUrl).not.toBe(subgraph.http.url);
    expect((await fetch(`${subgraph.http.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${subgraph.adminUrl}/graphql`)).status).toBe(404);
    const answer = await fetch(`${subgraph.adminUrl}/metrics`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await answer.text()).toContain('process_cpu_user_seconds_total{subgraph="orders"}');
  });

  it('counts each operation by its client name and outcome, and times each request', async () => {
    // As the router names it: the client operation, then the planner's subgraph and fetch index.
    await postGraphQL(subgraph.url, 'query MyOrders__orders__0 { myOrders { edges { cursor } } }');
    await postGraphQL(subgraph.url, 'query MyOrders__orders__1 { myOrders { edges { cursor } } }');
    await postGraphQL(subgraph.url, '{ __typename }');
    const text = await metrics();
    expect(text).toContain(
      'meridian_subgraph_operations_total{operation="MyOrders",outcome="UNAUTHENTICATED",subgraph="orders"} 2',
    );
    expect(text).toMatch(/meridian_subgraph_operations_total\{operation="anonymous",outcome="ok",subgraph="orders"\} [1-9]/);
    expect(text).toMatch(/meridian_subgraph_http_request_duration_seconds_count\{subgraph="orders",status="200"\} [1-9]/);
    expect(text).toContain('meridian_subgraph_subscriptions{subgraph="orders"} 0');
  });
});
