/**
 * Batching through the whole supergraph: a page of 50 orders with their buyer, items' products and
 * payments costs one SQL query per entity type per subgraph — the same count as a page of 5.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlEvents } from '#kit';
import { createOrdersDb, createOrderStore } from '../../subgraphs/orders/src/adapters/order-store.ts';
import { createPaymentsDb, createPaymentStore } from '../../subgraphs/payments/src/adapters/payment-store.ts';
import { demoProducts, demoUsers } from '../../packages/stack/src/demo-data.ts';
import { graphql, loginAs, startTestStack, type TestStack } from '../../packages/stack/src/test-stack.ts';

let stack: TestStack;
const buyer = demoUsers[1]!; // Grace: one demo order; 59 more are added below

beforeAll(async () => {
  stack = await startTestStack();
  const ordersDb = createOrdersDb(stack.databaseUrls.orders, 2);
  const paymentsDb = createPaymentsDb(stack.databaseUrls.payments, 2);
  const orders = createOrderStore(ordersDb);
  const payments = createPaymentStore(paymentsDb);
  for (let n = 0; n < 59; n += 1) {
    const id = randomUUID();
    const items = [demoProducts[n % 8]!, demoProducts[(n + 3) % 8]!].map((p, i) => ({
      productId: p.id,
      quantity: i + 1,
      unitPriceAmount: p.priceAmount,
    }));
    const createdAt = new Date(Date.UTC(2026, 10, 1, 0, n));
    await orders.saveOrder({
      id,
      buyerId: buyer.id,
      status: 'CONFIRMED',
      currency: 'EUR',
      createdAt,
      items,
      history: [{ status: 'PENDING', at: createdAt }],
    });
    const amount = items.reduce((s, i) => s + i.quantity * i.unitPriceAmount, 0);
    await payments.savePayment({
      id: randomUUID(),
      orderId: id,
      payerId: buyer.id,
      amount,
      currency: 'EUR',
      status: 'SUCCEEDED',
      provider: 'simulated',
    });
  }
  await ordersDb.$disconnect();
  await paymentsDb.$disconnect();
});
afterAll(async () => {
  await stack?.stop();
});

const query = `query ($first: Int!) { myOrders(first: $first) { edges { node {
  id buyer { displayName } items { quantity product { name price { amount } } } payment { status } } } } }`;

const dataStatements = /^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)/i;

/** Runs the query and counts the SQL statements each subgraph's database received. */
async function countQueries(first: number, token: string) {
  const names = Object.fromEntries(
    Object.entries(stack.databaseUrls).map(([name, url]) => [new URL(url).pathname.slice(1), name]),
  );
  const counts: Record<string, number> = {};
  const listener = ({ database, sql }: { database: string; sql: string }) => {
    const name = names[database];
    // The outbox relays and the reservation sweeper poll in the background: not work done for this request.
    const background = sql.includes('outbox_events') || sql.includes('"reservations"');
    if (name && dataStatements.test(sql) && !background) counts[name] = (counts[name] ?? 0) + 1;
  };
  sqlEvents.on('query', listener);
  try {
    const result = await graphql<{ myOrders: { edges: { node: any }[] } }>(stack.url, query, { token, variables: { first } });
    expect(result.body.errors).toBeUndefined();
    return { counts, orders: result.body.data!.myOrders.edges.map((e) => e.node) };
  } finally {
    sqlEvents.off('query', listener);
  }
}

describe('batching', () => {
  it('myOrders(first: 50) with buyer, items.product and payment costs one query per entity type per subgraph', async () => {
    const token = await loginAs(stack.url, buyer.email);
    await countQueries(1, token); // warm-up: the router and each subgraph fetch the JWKS once
    const small = await countQueries(5, token);
    const large = await countQueries(50, token);

    expect(large.orders).toHaveLength(50);
    expect(large.orders.every((o) => o.buyer.displayName === buyer.displayName && o.payment?.status === 'SUCCEEDED')).toBe(true);
    expect(large.orders.every((o) => o.items.length >= 1 && o.items.every((i: any) => typeof i.product.name === 'string'))).toBe(
      true,
    );

    // orders: the page + the items of every order on it; users: the buyer; payments: every order's payment;
    // inventory: every product referenced (one statement per entity type the subgraph owns).
    expect(large.counts).toEqual(small.counts);
    expect(large.counts.orders).toBe(2);
    expect(large.counts.users).toBe(1);
    expect(large.counts.payments).toBe(1);
    expect(large.counts.inventory).toBeLessThanOrEqual(2);
  });
});
