/**
 * The order saga end to end: the whole supergraph in this process on the real PostgreSQL, with its
 * events carried by Redis Streams (as in services mode). Orders are placed through the router;
 * what the databases hold afterwards is the verdict.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisEventBus, domainEvent } from '#kit/events';
import { createLogger } from '#kit/logger';
import { dropRedisNamespace, testRedisUrl } from '#kit/testing';
import { createInventoryDb, type InventoryDb } from '../../subgraphs/inventory/src/index.ts';
import { createOrdersDb, type OrdersDb } from '../../subgraphs/orders/src/index.ts';
import { createPaymentsDb, type PaymentsDb } from '../../subgraphs/payments/src/index.ts';
import { createProductWithStock, graphql, mintAccessTokens, placeOrder, startTestStack, type TestStack } from './test-stack.ts';

const namespace = `test-saga-${randomUUID().slice(0, 8)}`;
let stack: TestStack;
let admin: string;
let ordersDb: OrdersDb;
let inventoryDb: InventoryDb;
let paymentsDb: PaymentsDb;

beforeAll(async () => {
  stack = await startTestStack({
    redisUrl: testRedisUrl,
    eventsNamespace: namespace,
    tuning: { inventory: { sweepIntervalMs: 200 } },
  });
  admin = (await mintAccessTokens(stack.databaseUrls.auth, 1, ['CUSTOMER', 'ADMIN']))[0]!.token;
  ordersDb = createOrdersDb(stack.databaseUrls.orders, 2);
  inventoryDb = createInventoryDb(stack.databaseUrls.inventory, 2);
  paymentsDb = createPaymentsDb(stack.databaseUrls.payments, 2);
}, 120_000);

afterAll(async () => {
  await Promise.all([ordersDb?.$disconnect(), inventoryDb?.$disconnect(), paymentsDb?.$disconnect()]);
  await stack?.stop();
  await dropRedisNamespace(namespace);
});

/** A new product with `units` in stock (admin mutations through the router). */
const productWithStock = (units: number, priceAmount = 1500, currency = 'EUR') =>
  createProductWithStock(stack.url, admin, {
    name: 'Saga lamp',
    units,
    priceAmount,
    currency,
    skuPrefix: 'SAGA',
    reason: 'saga test intake',
  });

const customers = (count: number) => mintAccessTokens(stack.databaseUrls.auth, count);
const customer = async () => (await customers(1))[0]!;

/** Waits until every order is CONFIRMED or CANCELLED; returns them by id. */
async function finalStates(ids: string[], timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await ordersDb.order.findMany({
      where: { id: { in: ids } },
      select: { id: true, status: true, cancelReason: true, totalAmount: true },
    });
    if (rows.every((r) => r.status === 'CONFIRMED' || r.status === 'CANCELLED') || Date.now() > deadline) {
      return new Map(rows.map((r) => [r.id, r]));
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitForStatus(id: string, status: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const row = await ordersDb.order.findUnique({ where: { id }, select: { status: true } });
    if (row?.status === status) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`order ${id} did not reach ${status}`);
}

const stockOf = (productId: string) =>
  inventoryDb.stockLevel.findMany({ where: { productId }, select: { onHand: true, reserved: true } });

const historyOf = async (id: string) =>
  (await ordersDb.orderStatusChange.findMany({ where: { orderId: id }, orderBy: { at: 'asc' } })).map((h) =>
    h.reason ? `${h.status}(${h.reason})` : h.status,
  );

describe('the order saga (real PostgreSQL and Redis Streams)', () => {
  it('60 customers racing for 10 units: exactly 10 CONFIRMED, 50 CANCELLED(OUT_OF_STOCK), stock 0, never negative', async () => {
    const productId = await productWithStock(10);
    const buyers = await customers(60);
    const placed = await Promise.all(buyers.map(({ token }) => placeOrder(stack.url, token, { productId })));
    expect(placed.every((o) => o.status === 'PENDING' && o.total === null)).toBe(true);

    const states = await finalStates(placed.map((o) => o.id));
    const confirmed = [...states.values()].filter((o) => o.status === 'CONFIRMED');
    const cancelled = [...states.values()].filter((o) => o.status === 'CANCELLED');
    expect(confirmed).toHaveLength(10);
    expect(cancelled).toHaveLength(50);
    expect(new Set(cancelled.map((o) => o.cancelReason))).toEqual(new Set(['OUT_OF_STOCK']));
    expect(confirmed.every((o) => o.totalAmount === 1500)).toBe(true);
    expect(await stockOf(productId)).toEqual([{ onHand: 0, reserved: 0 }]);

    // Every confirmed order went through each state once, and was charged exactly once.
    for (const order of confirmed) expect(await historyOf(order.id)).toEqual(['PENDING', 'RESERVED', 'PAID', 'CONFIRMED']);
    for (const order of cancelled.slice(0, 5)) expect(await historyOf(order.id)).toEqual(['PENDING', 'CANCELLED(OUT_OF_STOCK)']);
    const payments = await paymentsDb.payment.findMany({
      where: { orderId: { in: placed.map((o) => o.id) } },
      include: { attempts: true },
    });
    expect(payments).toHaveLength(10);
    expect(payments.every((p) => p.status === 'SUCCEEDED' && p.attempts.length === 1)).toBe(true);

    // What a customer sees through the router.
    const product = await graphql<{ product: { available: number } }>(
      stack.url,
      'query ($id: ID!) { product(id: $id) { available } }',
      {
        variables: { id: productId },
      },
    );
    expect(product.body.data?.product.available).toBe(0);
  }, 60_000);

  it('a declined card cancels the order (PAYMENT_DECLINED) and gives the stock back', async () => {
    const productId = await productWithStock(3);
    const { token } = await customer();
    const order = await placeOrder(stack.url, token, { productId, paymentMethod: 'tok_decline', quantity: 2 });
    const states = await finalStates([order.id]);
    expect(states.get(order.id)).toMatchObject({ status: 'CANCELLED', cancelReason: 'PAYMENT_DECLINED' });
    expect(await historyOf(order.id)).toEqual(['PENDING', 'RESERVED', 'CANCELLED(PAYMENT_DECLINED)']);
    await expect.poll(() => stockOf(productId)).toEqual([{ onHand: 3, reserved: 0 }]);
    const payment = await paymentsDb.payment.findUniqueOrThrow({ where: { orderId: order.id }, include: { attempts: true } });
    expect(payment.status).toBe('FAILED');
    expect(payment.attempts.map((a) => a.outcome)).toEqual(['DECLINED']);

    // The buyer sees why, through the router.
    const seen = await graphql<{ order: { status: string; cancelReason: string; payment: { status: string } } }>(
      stack.url,
      'query ($id: ID!) { order(id: $id) { status cancelReason payment { status } } }',
      { token, variables: { id: order.id } },
    );
    expect(seen.body.data?.order).toEqual({
      status: 'CANCELLED',
      cancelReason: 'PAYMENT_DECLINED',
      payment: { status: 'FAILED' },
    });
  }, 30_000);

  it('a processor that never answers is retried, then the order is cancelled (PAYMENT_ERROR) and the stock given back', async () => {
    const productId = await productWithStock(2);
    const { token } = await customer();
    const order = await placeOrder(stack.url, token, { productId, paymentMethod: 'tok_timeout' });
    const states = await finalStates([order.id], 30_000);
    expect(states.get(order.id)).toMatchObject({ status: 'CANCELLED', cancelReason: 'PAYMENT_ERROR' });
    await expect.poll(() => stockOf(productId)).toEqual([{ onHand: 2, reserved: 0 }]);
    const payment = await paymentsDb.payment.findUniqueOrThrow({ where: { orderId: order.id }, include: { attempts: true } });
    expect(payment.status).toBe('FAILED');
    expect(payment.attempts.map((a) => a.outcome)).toEqual(['ERROR', 'ERROR', 'ERROR']);
  }, 40_000);

  it('the same idempotency key twice places one order', async () => {
    const productId = await productWithStock(5);
    const { token, userId } = await customer();
    const key = randomUUID();
    const [first, second] = await Promise.all([
      placeOrder(stack.url, token, { productId, key }),
      placeOrder(stack.url, token, { productId, key }),
    ]);
    expect(second.id).toBe(first.id);
    await finalStates([first.id]);
    const third = await placeOrder(stack.url, token, { productId, key }); // long after: still the same order
    expect(third.id).toBe(first.id);
    expect(await ordersDb.order.count({ where: { buyerId: userId } })).toBe(1);
    expect(await stockOf(productId)).toEqual([{ onHand: 4, reserved: 0 }]);
  }, 30_000);

  it('an expired reservation cancels the order (RESERVATION_EXPIRED) and gives the stock back', async () => {
    const productId = await productWithStock(4);
    const { token } = await customer();
    // The processor keeps this charge waiting for seconds: long enough for the reservation to run out first.
    const order = await placeOrder(stack.url, token, { productId, paymentMethod: 'tok_timeout', quantity: 3 });
    await waitForStatus(order.id, 'RESERVED');
    await inventoryDb.reservation.update({ where: { orderId: order.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await waitForStatus(order.id, 'CANCELLED');
    expect(await historyOf(order.id)).toEqual(['PENDING', 'RESERVED', 'CANCELLED(RESERVATION_EXPIRED)']);
    expect(await stockOf(productId)).toEqual([{ onHand: 4, reserved: 0 }]);
    // The charge's failure arrives later and changes nothing.
    await expect
      .poll(async () => (await paymentsDb.payment.findUnique({ where: { orderId: order.id } }))?.status, { timeout: 15_000 })
      .toBe('FAILED');
    await new Promise((r) => setTimeout(r, 300));
    expect(await historyOf(order.id)).toEqual(['PENDING', 'RESERVED', 'CANCELLED(RESERVATION_EXPIRED)']);
  }, 40_000);

  it('a customer cancels a pending order; the stock comes back; a confirmed order cannot be cancelled', async () => {
    const productId = await productWithStock(2);
    const { token } = await customer();
    const cancelMutation = 'mutation ($id: ID!) { cancelOrder(id: $id) { status cancelReason } }';
    const order = await placeOrder(stack.url, token, { productId, paymentMethod: 'tok_timeout' });
    const cancelled = await graphql(stack.url, cancelMutation, { token, variables: { id: order.id } });
    expect(cancelled.body.data).toEqual({ cancelOrder: { status: 'CANCELLED', cancelReason: 'CANCELLED_BY_CUSTOMER' } });
    await expect.poll(() => stockOf(productId), { timeout: 15_000 }).toEqual([{ onHand: 2, reserved: 0 }]);

    const confirmed = await placeOrder(stack.url, token, { productId });
    await finalStates([confirmed.id]);
    const refused = await graphql(stack.url, cancelMutation, { token, variables: { id: confirmed.id } });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  }, 40_000);

  it('an admin refunds part of a confirmed order, once per key, never more than was charged; customers may not', async () => {
    const productId = await productWithStock(2, 2000);
    const { token } = await customer();
    const order = await placeOrder(stack.url, token, { productId });
    await finalStates([order.id]);
    const paymentId = (await paymentsDb.payment.findUniqueOrThrow({ where: { orderId: order.id } })).id;
    const refund = `mutation ($id: ID!, $amount: Int, $key: String!) {
      refundPayment(paymentId: $id, amount: $amount, idempotencyKey: $key) { id amount { amount } status payment { status refunds { id } } }
    }`;
    type Refunded = {
      refundPayment: {
        id: string;
        amount: { amount: number };
        status: string;
        payment: { status: string; refunds: { id: string }[] };
      };
    };
    const first = await graphql<Refunded>(stack.url, refund, {
      token: admin,
      variables: { id: paymentId, amount: 500, key: 'goodwill-1' },
    });
    expect(first.body.data?.refundPayment).toMatchObject({
      amount: { amount: 500 },
      status: 'SUCCEEDED',
      payment: { status: 'PARTIALLY_REFUNDED' },
    });
    const again = await graphql<Refunded>(stack.url, refund, {
      token: admin,
      variables: { id: paymentId, amount: 500, key: 'goodwill-1' },
    });
    expect(again.body.data?.refundPayment.id).toBe(first.body.data?.refundPayment.id);
    expect(again.body.data?.refundPayment.payment.refunds).toHaveLength(1);
    const tooMuch = await graphql(stack.url, refund, {
      token: admin,
      variables: { id: paymentId, amount: 1600, key: 'goodwill-2' },
    });
    expect(tooMuch.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const byCustomer = await graphql(stack.url, refund, { token, variables: { id: paymentId, key: 'mine' } });
    expect(byCustomer.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const rest = await graphql<Refunded>(stack.url, refund, { token: admin, variables: { id: paymentId, key: 'goodwill-3' } });
    expect(rest.body.data?.refundPayment).toMatchObject({ amount: { amount: 1500 }, payment: { status: 'REFUNDED' } });
  }, 30_000);

  it.each([
    ['a zero-priced product', [{ price: 0, currency: 'EUR', quantity: 1 }], 'ZERO_TOTAL'],
    [
      'products priced in two currencies',
      [
        { price: 1000, currency: 'EUR', quantity: 1 },
        { price: 1000, currency: 'USD', quantity: 1 },
      ],
      'MIXED_CURRENCIES',
    ],
    ['a total past what one charge can be', [{ price: 2_000_000_000, currency: 'EUR', quantity: 2 }], 'TOTAL_TOO_LARGE'],
  ])(
    'an order of %s is cancelled at once with the reason, its stock back, nothing charged or dead-lettered',
    async (_, lines, reason) => {
      const products: string[] = [];
      for (const line of lines) products.push(await productWithStock(5, line.price, line.currency));
      const { token } = await customer();
      const placed = await graphql<{ placeOrder: { id: string } }>(
        stack.url,
        'mutation ($input: PlaceOrderInput!, $key: String!) { placeOrder(input: $input, idempotencyKey: $key) { id } }',
        {
          token,
          variables: {
            input: {
              items: lines.map((line, i) => ({ productId: products[i], quantity: line.quantity })),
              paymentMethod: 'tok_visa',
            },
            key: randomUUID(),
          },
        },
      );
      const id = placed.body.data!.placeOrder.id;
      const started = Date.now();
      const states = await finalStates([id], 10_000);
      expect(Date.now() - started).toBeLessThan(5_000); // at once: not after retries, not at the reservation's expiry
      expect(states.get(id)).toMatchObject({ status: 'CANCELLED', cancelReason: reason });
      for (const productId of products) await expect.poll(() => stockOf(productId)).toEqual([{ onHand: 5, reserved: 0 }]);
      expect(await paymentsDb.payment.count({ where: { orderId: id } })).toBe(0);
      const seen = await graphql<{ order: { cancelReason: string } }>(
        stack.url,
        'query ($id: ID!) { order(id: $id) { cancelReason } }',
        {
          token,
          variables: { id },
        },
      );
      expect(seen.body.data?.order.cancelReason).toBe(reason);
      const letters = await graphql<{ deadLetters: { payload: string }[] }>(stack.url, '{ deadLetters(last: 500) { payload } }', {
        token: admin,
      });
      expect(letters.body.data!.deadLetters.filter((l) => l.payload.includes(id))).toEqual([]);
    },
    30_000,
  );

  it("a shipping address must be one of the buyer's own", async () => {
    const productId = await productWithStock(5);
    const [ada, bob] = await customers(2);
    const addAddress = 'mutation ($input: AddressInput!) { addAddress(input: $input) { id isDefault } }';
    const address = { label: 'Home', line1: 'Rua Augusta 1', city: 'Lisboa', postalCode: '1100-048', country: 'pt' };
    const added = await graphql<{ addAddress: { id: string; isDefault: boolean } }>(stack.url, addAddress, {
      token: ada!.token,
      variables: { input: address },
    });
    expect(added.body.data?.addAddress.isDefault).toBe(true);
    const adaAddress = added.body.data!.addAddress.id;
    const place = (token: string, shippingAddressId: string) =>
      graphql<{ placeOrder: { id: string } }>(
        stack.url,
        'mutation ($input: PlaceOrderInput!, $key: String!) { placeOrder(input: $input, idempotencyKey: $key) { id } }',
        {
          token,
          variables: {
            input: { items: [{ productId, quantity: 1 }], paymentMethod: 'tok_visa', shippingAddressId },
            key: randomUUID(),
          },
        },
      );
    // Orders hears of the new address over the bus: a moment later, Ada can ship to it.
    await expect
      .poll(async () => (await place(ada!.token, adaAddress)).body.data?.placeOrder.id, { timeout: 10_000 })
      .toBeTruthy();
    for (const [token, id] of [
      [bob!.token, adaAddress],
      [ada!.token, randomUUID()],
    ] as const) {
      const refused = await place(token, id);
      expect(refused.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'shippingAddressId' } });
    }
    // Removed from her profile: no longer a place to ship to.
    const removed = await graphql(stack.url, 'mutation ($id: ID!) { removeAddress(id: $id) }', {
      token: ada!.token,
      variables: { id: adaAddress },
    });
    expect(removed.body.data).toEqual({ removeAddress: true });
    await expect
      .poll(async () => (await place(ada!.token, adaAddress)).body.errors?.[0]?.extensions?.code, { timeout: 10_000 })
      .toBe('BAD_USER_INPUT');
  }, 30_000);

  it('a malformed message is dead-lettered at once (retrying cannot fix its content) and shown to admins only', async () => {
    const redis = new Redis(testRedisUrl, { maxRetriesPerRequest: null });
    const bus = createRedisEventBus(redis, createLogger('test', 'silent'), { namespace });
    const poison = domainEvent('payment.succeeded', { orderId: 'not-an-order' });
    await bus.publish(poison);
    const query = '{ deadLetters(last: 20) { id eventId topic group error reason deliveries payload } }';
    type Letters = {
      deadLetters: {
        id: string;
        eventId: string;
        topic: string;
        group: string;
        reason: string;
        deliveries: number;
        payload: string;
      }[];
    };
    await expect
      .poll(
        async () => (await graphql<Letters>(stack.url, query, { token: admin })).body.data?.deadLetters.map((l) => l.eventId),
        {
          timeout: 15_000,
          interval: 250,
        },
      )
      .toContain(poison.id);
    const letter = (await graphql<Letters>(stack.url, query, { token: admin })).body.data!.deadLetters.find(
      (l) => l.eventId === poison.id,
    );
    expect(letter).toMatchObject({ topic: 'payment.succeeded', group: 'orders', reason: 'CONTENT', deliveries: 1 });
    expect(JSON.parse(letter!.payload)).toEqual({ orderId: 'not-an-order' });
    const { token, userId } = await customer();
    const refused = await graphql(stack.url, query, { token });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    // An admin replays it: delivered again (and, its content still bad, dead-lettered again), recorded.
    const replay = 'mutation ($id: String!) { replayDeadLetter(id: $id) { id eventId } }';
    const byCustomer = await graphql(stack.url, replay, { token, variables: { id: letter!.id } });
    expect(byCustomer.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const replayed = await graphql<{ replayDeadLetter: { id: string; eventId: string } }>(stack.url, replay, {
      token: admin,
      variables: { id: letter!.id },
    });
    expect(replayed.body.data?.replayDeadLetter).toEqual({ id: letter!.id, eventId: poison.id });
    const again = await graphql(stack.url, replay, { token: admin, variables: { id: letter!.id } });
    expect(again.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    await expect
      .poll(async () => {
        const letters = (await graphql<Letters>(stack.url, query, { token: admin })).body.data!.deadLetters;
        return letters.filter((l) => l.eventId === poison.id).map((l) => l.id);
      })
      .toEqual([expect.not.stringMatching(letter!.id)]);
    const audit = await ordersDb.deadLetterReplay.findMany({ where: { eventId: poison.id } });
    expect(audit).toMatchObject([{ deadLetterId: letter!.id, topic: 'payment.succeeded', group: 'orders' }]);
    expect(audit[0]!.actorId).not.toBe(userId);
    await bus.close();
    await redis.quit();
  }, 30_000);
});
