/**
 * Ids that are not UUIDs and cursors the API never issued, in every argument and entity reference
 * of the six subgraphs: through the router, and straight at the subgraphs (`_entities`, which only
 * the router's planner should send). Each gets BAD_USER_INPUT, or null where an entity reference
 * names nothing; none may reach PostgreSQL as a cast error, nor be logged as an unexpected error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordLogs } from '#kit/testing';
import type { SubgraphName } from '../topology.ts';
import { demoUsers } from '../demo-data.ts';
import { connectLive, watch, type LiveConnection } from '#kit/live-client';
import { graphql, loginAs, startTestStack, type TestStack } from '../test-stack.ts';

let stack: TestStack;
let logs: ReturnType<typeof recordLogs>;
const tokens = { ada: '', admin: '' };
const connections: LiveConnection[] = [];

beforeAll(async () => {
  logs = recordLogs();
  stack = await startTestStack({ production: true, logLevel: 'info' });
  tokens.ada = await loginAs(stack.url);
  tokens.admin = await loginAs(stack.url, demoUsers[2]!.email);
});
afterAll(async () => {
  await Promise.all(connections.map((c) => c.dispose()));
  await stack?.stop();
  logs?.stop();
});

/** Lines at level error or above (pino: 50) written since `from`. */
const errorLines = (from: number) => logs.lines.slice(from).filter((line) => Number(line.level) >= 50);
const cursor = (text: string) => Buffer.from(text).toString('base64url');
const uuid = 'd0c50000-0000-4000-8000-000000000001';

type Caller = keyof typeof tokens | 'anonymous';
const throughRouter: [string, Caller, string][] = [
  ['order(id:)', 'ada', '{ order(id: "not-a-uuid") { id } }'],
  ['order(id:) given as a number', 'ada', '{ order(id: 42) { id } }'],
  ['user(id:), as an admin', 'admin', `{ user(id: "' OR 1=1 --") { id } }`],
  ['product(id:)', 'anonymous', '{ product(id: "x") { id } }'],
  ['payment(id:)', 'ada', '{ payment(id: "x") { id } }'],
  ['document(id:)', 'ada', '{ document(id: "x") { id } }'],
  ['myOrders(after:) of garbage', 'ada', '{ myOrders(after: "garbage") { edges { cursor } } }'],
  [
    'myOrders(after:) forged with an id that is not a UUID',
    'ada',
    `{ myOrders(after: "${cursor('2026-11-22T10:00:00.000Z|x')}") { edges { cursor } } }`,
  ],
  [
    'User.orders(after:) forged',
    'ada',
    `{ me { orders(after: "${cursor('2026-11-22T10:00:00.000Z|x')}") { edges { cursor } } } }`,
  ],
  ['myDocuments(after:) forged', 'ada', `{ myDocuments(after: "${cursor('2026-11-22T10:00:00.000Z|x')}") { edges { cursor } } }`],
  ['products(after:) forged', 'anonymous', `{ products(after: "${cursor('2026-11-22T10:00:00.000Z|x')}") { edges { cursor } } }`],
  [
    'products(after:) with a date PostgreSQL cannot hold',
    'anonymous',
    `{ products(after: "${cursor(`-200000-01-01T00:00:00.000Z|${uuid}`)}") { edges { cursor } } }`,
  ],
  ['cancelOrder(id:)', 'ada', 'mutation { cancelOrder(id: "x") { id } }'],
  ['submitDocument(id:)', 'ada', 'mutation { submitDocument(id: "x") { id } }'],
  ['reprocessDocument(id:)', 'ada', 'mutation { reprocessDocument(id: "x") { id } }'],
  ['deleteDocument(id:)', 'ada', 'mutation { deleteDocument(id: "x") }'],
  [
    'placeOrder(input.shippingAddressId:)',
    'ada',
    `mutation { placeOrder(idempotencyKey: "bad-ids", input: { shippingAddressId: "x", paymentMethod: "tok_visa", items: [{ productId: "${uuid}", quantity: 1 }] }) { id } }`,
  ],
  [
    'updateProduct(id:), as an admin',
    'admin',
    'mutation { updateProduct(id: "x", input: { sku: "SKU-1", name: "n", price: { amount: 1, currency: "EUR" } }) { id } }',
  ],
  [
    'adjustStock(input.productId, input.warehouseId), as an admin',
    'admin',
    'mutation { adjustStock(input: { productId: "x", warehouseId: "y", delta: 1, reason: "count" }) { onHand } }',
  ],
  ['refundPayment(paymentId:), as an admin', 'admin', 'mutation { refundPayment(paymentId: "x", idempotencyKey: "k") { id } }'],
];

describe('malformed ids and forged cursors through the router', () => {
  it('the services log what the tests read (the checks below cannot pass for want of lines)', () => {
    expect(logs.lines.some((line) => line.msg === 'router listening (HTTP and graphql-ws)')).toBe(true);
  });

  it.each(throughRouter)('%s: BAD_USER_INPUT, nothing logged as unexpected', async (_, caller, query) => {
    const from = logs.lines.length;
    const result = await graphql(stack.url, query, { token: caller === 'anonymous' ? undefined : tokens[caller] });
    expect(result.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(errorLines(from)).toEqual([]);
  });

  it.each([
    ['orderUpdated(id:)', 'subscription { orderUpdated(id: "x") { status } }'],
    ['documentUpdated(id:)', 'subscription { documentUpdated(id: "x") { status } }'],
    ['documentJobUpdated(jobId:)', 'subscription { documentJobUpdated(jobId: "x") { status } }'],
  ])('the subscription %s over graphql-ws: BAD_USER_INPUT, nothing logged as unexpected', async (_, query) => {
    const from = logs.lines.length;
    const connection = connectLive(stack.url, { token: tokens.ada });
    connections.push(connection);
    const watched = watch(connection, query);
    await watched.ended;
    expect(watched.results.flatMap((r) => r.errors?.map((e) => e.extensions?.code))).toEqual(['BAD_USER_INPUT']);
    expect(errorLines(from)).toEqual([]);
  });
});

const entities = 'query ($representations: [_Any!]!) { _entities(representations: $representations) { __typename ';
const references: [string, SubgraphName, string, unknown][] = [
  ['Order', 'orders', `${entities} ... on Order { id } } }`, 'not-a-uuid'],
  ['Order given a number', 'orders', `${entities} ... on Order { id } } }`, 42],
  ['Order given an object', 'orders', `${entities} ... on Order { id } } }`, { $gt: '' }],
  ['User (its orders)', 'orders', `${entities} ... on User { orders { edges { cursor } } } } }`, 'x'],
  ['Product', 'inventory', `${entities} ... on Product { name } } }`, 'x'],
  ['Payment', 'payments', `${entities} ... on Payment { status } } }`, 'x'],
  ['Order (its payment)', 'payments', `${entities} ... on Order { payment { status } } } }`, 'x'],
  ['Document', 'documents', `${entities} ... on Document { filename } } }`, 'x'],
  ['DocumentJob', 'documents', `${entities} ... on DocumentJob { status } } }`, 'x'],
  ['User (its documents)', 'documents', `${entities} ... on User { documents { filename } } } }`, 'x'],
  ['User', 'users', `${entities} ... on User { displayName } } }`, 'x'],
  ['User (its roles)', 'auth', `${entities} ... on User { roles } } }`, 'x'],
];

describe('malformed ids in entity references, straight at each subgraph (as an admin)', () => {
  it.each(references)(
    '%s at %s: null, as for an entity there is none of; nothing logged',
    async (typename, subgraph, query, id) => {
      const from = logs.lines.length;
      const result = await graphql(stack.subgraphs[subgraph].url, query, {
        token: tokens.admin,
        variables: { representations: [{ __typename: typename.split(' ')[0], id }] },
      });
      expect(result.body).toEqual({ data: { _entities: [null] } });
      expect(errorLines(from)).toEqual([]);
    },
  );
});
