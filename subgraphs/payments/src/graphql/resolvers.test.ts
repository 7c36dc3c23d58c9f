import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '#kit/logger';
import { readSchemaFile } from '#kit/subgraph-server';
import { createTestDatabase, inProcessSubgraph, testViewer, type TestDatabase } from '#kit/testing';
import { createPaymentsDb, createPaymentStore, type PaymentsDb } from '../adapters/payment-store.ts';
import type { PaymentStore } from '../ports.ts';
import { createSimulatedProvider } from '../adapters/simulated-provider.ts';
import { createLoaders, type Context } from './context.ts';
import { createResolvers } from './resolvers.ts';

let database: TestDatabase;
let db: PaymentsDb;
let store: PaymentStore;
let subgraph: Awaited<ReturnType<typeof inProcessSubgraph>>;
let statements: string[] = [];
const logger = createLogger('test', 'silent');

beforeAll(async () => {
  database = await createTestDatabase('payments');
  db = createPaymentsDb(database.url, 2, true);
  db.$on('query', (event) => statements.push(event.query));
  store = createPaymentStore(db);
  // The schema and error policy of the real server, run in-process so the test sees the SQL it costs
  // and can act as any viewer without minting tokens.
  subgraph = await inProcessSubgraph<Context>({
    typeDefs: readSchemaFile(import.meta.url, 2),
    resolvers: createResolvers({ payments: store, provider: createSimulatedProvider() }),
    contextFor: (viewer) => ({ viewer, correlationId: 'test', logger, loaders: createLoaders(store) }),
  });
});
afterAll(async () => {
  await subgraph.stop();
  await db.$disconnect();
  await database.drop();
});

const admin = testViewer(randomUUID(), ['ADMIN']);

const orderPayments = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Order { id payment { id status amount { amount currency } order { id } } } }
}`;
const paymentRefs = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Payment { id status attempts { succeeded failureReason } } }
}`;

async function seedPayment(payerId: string, orderId = randomUUID()) {
  const id = randomUUID();
  await store.savePayment({ id, orderId, payerId, amount: 1000, currency: 'EUR', provider: 'simulated', status: 'SUCCEEDED' });
  return { id, orderId };
}

describe('payments resolvers over real PostgreSQL', () => {
  it('Order.payment for 50 orders costs one SQL query, and each order gets its own payment', async () => {
    const payer = randomUUID();
    const seeded: { id: string; orderId: string }[] = [];
    for (let i = 0; i < 50; i += 1) seeded.push(await seedPayment(payer));

    statements = [];
    const result = await subgraph.run(testViewer(payer), orderPayments, {
      representations: seeded.map((p) => ({ __typename: 'Order', id: p.orderId })),
    });
    expect(result.errors).toBeUndefined();
    const orders = result.data?._entities as { id: string; payment: { id: string; order: { id: string } } | null }[];
    expect(orders.map((o) => o.payment?.id)).toEqual(seeded.map((p) => p.id));
    expect(orders.every((o) => o.payment?.order.id === o.id)).toBe(true);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/FROM ("public"\.)?"?payments\b/);
  });

  it("another customer's payment is null through its order, while an admin sees it", async () => {
    const owner = randomUUID();
    const mine = await seedPayment(owner);
    const theirs = await seedPayment(randomUUID());
    const representations = [mine, theirs].map((p) => ({ __typename: 'Order', id: p.orderId }));

    const asOwner = await subgraph.run(testViewer(owner), orderPayments, { representations });
    expect((asOwner.data?._entities as { payment: { id: string } | null }[]).map((o) => o.payment?.id ?? null)).toEqual([
      mine.id,
      null,
    ]);

    const asAdmin = await subgraph.run(admin, orderPayments, { representations });
    expect((asAdmin.data?._entities as { payment: { id: string } | null }[]).map((o) => o.payment?.id ?? null)).toEqual([
      mine.id,
      theirs.id,
    ]);
  });

  it('an order without a payment has a null payment', async () => {
    const result = await subgraph.run(admin, orderPayments, { representations: [{ __typename: 'Order', id: randomUUID() }] });
    expect(result.data?._entities).toEqual([{ id: expect.any(String), payment: null }]);
  });

  it('a Payment reference resolves for its payer, with its attempts in one extra query, and to null for anyone else', async () => {
    const owner = randomUUID();
    const payments = [await seedPayment(owner), await seedPayment(owner)];
    const t0 = Date.parse('2026-02-01T09:00:00.000Z');
    for (const { id } of payments) {
      await store.addAttempt({ paymentId: id, succeeded: false, failureReason: 'The card was declined', at: new Date(t0) });
      await store.addAttempt({ paymentId: id, succeeded: true, at: new Date(t0 + 1000) });
    }
    const representations = payments.map((p) => ({ __typename: 'Payment', id: p.id }));

    statements = [];
    const asOwner = await subgraph.run(testViewer(owner), paymentRefs, { representations });
    expect(asOwner.errors).toBeUndefined();
    expect(asOwner.data?._entities).toEqual(
      payments.map((p) => ({
        id: p.id,
        status: 'SUCCEEDED',
        attempts: [
          { succeeded: false, failureReason: 'The card was declined' },
          { succeeded: true, failureReason: null },
        ],
      })),
    );
    // Payments, then the attempts of both: one statement each.
    expect(statements).toHaveLength(2);

    const asStranger = await subgraph.run(testViewer(randomUUID()), paymentRefs, { representations });
    expect(asStranger.data?._entities).toEqual([null, null]);
    const anonymous = await subgraph.run(null, paymentRefs, { representations });
    expect(anonymous.data?._entities).toEqual([null, null]);
  });

  it("Query.payment returns your own payment, null for someone else's, and asks anonymous callers to sign in", async () => {
    const owner = randomUUID();
    const { id } = await seedPayment(owner);
    const query = 'query ($id: ID!) { payment(id: $id) { id provider } }';

    expect((await subgraph.run(testViewer(owner), query, { id })).data?.payment).toEqual({ id, provider: 'simulated' });
    expect((await subgraph.run(admin, query, { id })).data?.payment).toEqual({ id, provider: 'simulated' });
    const stranger = await subgraph.run(testViewer(randomUUID()), query, { id });
    expect(stranger.errors).toBeUndefined();
    expect(stranger.data?.payment).toBeNull();
    const anonymous = await subgraph.run(null, query, { id });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
