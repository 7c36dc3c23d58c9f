/**
 * Payments in the order saga, through the subgraph's own wiring: events in over the in-process bus,
 * payments on the real PostgreSQL, answers out through the outbox and its relay. Idempotent under
 * redelivery, poison payloads dead-lettered.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessEventBus, domainEvent, type DomainEvent } from '#kit/events';
import { createLogger } from '#kit/logger';
import { createInProcessPubSub } from '#kit/pubsub';
import type { RunningSubgraph } from '#kit/subgraph-server';
import { createTestDatabase, testSubgraphConfig, type TestDatabase } from '#kit/testing';
import { createPaymentsDb, createPaymentStore, type PaymentsDb } from '../adapters/payment-store.ts';
import { createSimulatedProvider } from '../adapters/simulated-provider.ts';
import type { PaymentProvider, PaymentStore } from '../ports.ts';
import { startPaymentsSubgraph } from '../subgraph.ts';
import { chargeKey } from './charge-order.ts';
import { NotYetHandled, onRefundRequested, orderRefundKey, paymentTopics } from './payment-events.ts';

const logger = createLogger('test', 'silent');
const bus = createInProcessEventBus(logger, { maxDeliveries: 5, backoffMs: 20 });
const policy = { attempts: 2, timeoutMs: 50, backoffMs: 5 };
let database: TestDatabase;
let db: PaymentsDb;
let store: PaymentStore;
let subgraph: RunningSubgraph;
const published: DomainEvent[] = [];

/** The simulated processor, counting charge requests; a charge whose key is gated waits for its gate to open. */
function testProvider() {
  const real = createSimulatedProvider({ latencyMs: 1, timeoutDelayMs: 200 });
  const gates = new Map<string, Promise<void>>();
  const provider = {
    charges: 0,
    name: real.name,
    ledger: real.ledger,
    refunds: real.refunds,
    async charge(...args: Parameters<PaymentProvider['charge']>) {
      provider.charges += 1;
      await gates.get(args[0].idempotencyKey);
      return real.charge(...args);
    },
    refund: real.refund,
    /** Holds the order's charge until the returned function is called. */
    gate(orderId: string) {
      let open!: () => void;
      gates.set(chargeKey(orderId), new Promise<void>((resolve) => (open = resolve)));
      return open;
    },
  };
  return provider;
}
const provider = testProvider();

beforeAll(async () => {
  database = await createTestDatabase('payments');
  db = createPaymentsDb(database.url, 4);
  store = createPaymentStore(db);
  for (const topic of [paymentTopics.succeeded, paymentTopics.failed, paymentTopics.refunded]) {
    bus.subscribe(topic, 'test', async (event) => void published.push(event));
  }
  subgraph = await startPaymentsSubgraph(
    testSubgraphConfig('payments', database.url),
    { bus, pubsub: createInProcessPubSub() },
    {
      provider,
      providerPolicy: policy,
    },
  );
});
afterAll(async () => {
  await subgraph.stop();
  await bus.close();
  await db.$disconnect();
  await database.drop();
});

const paymentRequested = (paymentMethod: string, amount = 4200) =>
  domainEvent(paymentTopics.requested, {
    orderId: randomUUID(),
    payerId: randomUUID(),
    amount,
    currency: 'EUR',
    paymentMethod,
    placedAt: new Date().toISOString(), // a field payments does not read
  });
const orderOf = (event: DomainEvent) => (event.payload as { orderId: string }).orderId;

/** The answers published for an order, once there are `count` of them (or after 2 s). */
async function answersFor(orderId: string, count = 1) {
  const mine = () => published.filter((e) => orderOf(e) === orderId);
  for (let i = 0; i < 200 && mine().length < count; i += 1) await sleep(10);
  return mine();
}

/** The order's rows in the outbox, oldest first. */
const outboxOf = async (orderId: string) =>
  (
    await db.outboxEvent.findMany({
      where: { payload: { path: ['orderId'], equals: orderId } },
      orderBy: { createdAt: 'asc' },
    })
  ).map(({ topic, payload }) => ({ topic, payload }));

const paymentOf = async (orderId: string) => (await store.byOrderIds([orderId]))[0];
const wasProcessed = async (event: DomainEvent) => (await db.processedEvent.count({ where: { id: event.id } })) === 1;

describe('payment.requested', () => {
  it('tok_visa: the payment SUCCEEDS and payment.succeeded is written with it, then published', async () => {
    const requested = paymentRequested('tok_visa');
    const orderId = orderOf(requested);
    await bus.publish(requested);
    const [answer] = await answersFor(orderId);

    const payment = await paymentOf(orderId);
    expect(payment).toMatchObject({ status: 'SUCCEEDED', amount: { amount: 4200, currency: 'EUR' } });
    const succeeded = { orderId, paymentId: payment?.id, amount: 4200, currency: 'EUR' };
    expect(answer).toMatchObject({ topic: 'payment.succeeded', payload: succeeded });
    expect(await outboxOf(orderId)).toEqual([{ topic: 'payment.succeeded', payload: succeeded }]);
    expect(await wasProcessed(requested)).toBe(true);
  });

  it('the answer leaves as soon as the charge is settled, without waiting for the relay’s poll', async () => {
    // Each request follows the previous answer: were the relay not woken, each answer after the first
    // would wait for the next poll, 250 ms after the one that carried the previous answer.
    const orders: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const requested = paymentRequested('tok_visa');
      orders.push(orderOf(requested));
      await bus.publish(requested);
      expect((await answersFor(orderOf(requested)))[0]?.topic).toBe('payment.succeeded');
    }
    // The relay publishes before it commits its mark: wait for the mark.
    const where = {
      OR: orders.map((orderId) => ({ payload: { path: ['orderId'], equals: orderId } })),
      publishedAt: { not: null },
    };
    for (let i = 0; i < 100 && (await db.outboxEvent.count({ where })) < 3; i += 1) await sleep(10);
    const rows = await db.outboxEvent.findMany({ where });
    const waited = rows.map((row) => row.publishedAt!.getTime() - row.createdAt.getTime());
    expect(waited).toHaveLength(3);
    expect(Math.max(...waited)).toBeLessThan(100);
  });

  it.each([
    ['tok_decline', 'The card was declined'],
    ['tok_insufficient_funds', 'Insufficient funds'],
    ['tok_made_up', 'Unknown payment method'],
  ])('%s: the payment FAILS and payment.failed says PAYMENT_DECLINED', async (token, message) => {
    const requested = paymentRequested(token);
    const orderId = orderOf(requested);
    await bus.publish(requested);
    const [answer] = await answersFor(orderId);

    const payment = await paymentOf(orderId);
    expect(payment).toMatchObject({ status: 'FAILED', failureReason: message });
    const failed = { orderId, paymentId: payment?.id, reason: 'PAYMENT_DECLINED', message };
    expect(answer).toMatchObject({ topic: 'payment.failed', payload: failed });
    expect(await outboxOf(orderId)).toEqual([{ topic: 'payment.failed', payload: failed }]);
  });

  it('tok_timeout: every attempt times out and is recorded, then payment.failed says PAYMENT_ERROR', async () => {
    const requested = paymentRequested('tok_timeout');
    const orderId = orderOf(requested);
    await bus.publish(requested);
    const [answer] = await answersFor(orderId);

    const payment = await paymentOf(orderId);
    expect(payment?.status).toBe('FAILED');
    expect(answer).toMatchObject({
      topic: 'payment.failed',
      payload: { orderId, paymentId: payment?.id, reason: 'PAYMENT_ERROR', message: payment?.failureReason },
    });
    expect(payment?.failureReason).toMatch(
      /^PAYMENT_ERROR: .*after 2 attempts \(The card processor did not answer within 50 ms\)$/,
    );
    const attempts = await store.attemptsOf([payment!.id]);
    expect(attempts.map((a) => [a.outcome, a.failureReason])).toEqual([
      ['ERROR', 'The card processor did not answer within 50 ms'],
      ['ERROR', 'The card processor did not answer within 50 ms'],
    ]);
    expect(await outboxOf(orderId)).toHaveLength(1);
  });

  it('delivered twice at once and again later: one charge, one answer, nothing written by the redeliveries', async () => {
    const requested = paymentRequested('tok_visa');
    const orderId = orderOf(requested);
    const charges = provider.charges;
    await Promise.all([bus.publish(requested), bus.publish(requested)]);
    await answersFor(orderId);
    await bus.publish(requested);
    await bus.publish({ ...requested, id: randomUUID() }); // orders asking again under a new event id
    await sleep(150);

    expect(provider.charges - charges).toBe(1);
    expect(provider.ledger().filter((c) => c.idempotencyKey === chargeKey(orderId))).toHaveLength(1);
    expect(await answersFor(orderId)).toHaveLength(1);
    expect(await outboxOf(orderId)).toHaveLength(1);
    expect(await store.attemptsOf([(await paymentOf(orderId))!.id])).toHaveLength(1);
  });

  it('a malformed payload is dead-lettered at once, without charging or answering', async () => {
    const charges = provider.charges;
    const poison = domainEvent(paymentTopics.requested, { orderId: randomUUID(), amount: '12.50', currency: 'EUR' });
    await bus.publish(poison);
    for (let i = 0; i < 200 && (await bus.deadLetters()).length === 0; i += 1) await sleep(10);

    const letters = await bus.deadLetters();
    expect(letters.map((l) => [l.event.id, l.group, l.reason, l.deliveries])).toEqual([[poison.id, 'payments', 'content', 1]]);
    expect(provider.charges).toBe(charges);
    expect(await outboxOf(orderOf(poison))).toEqual([]);
    expect(await wasProcessed(poison)).toBe(false);
  });
});

describe('refund.requested', () => {
  async function paid(amount = 2500) {
    const requested = paymentRequested('tok_visa', amount);
    await bus.publish(requested);
    await answersFor(orderOf(requested));
    return orderOf(requested);
  }

  it('after a successful payment: REFUNDED in full and payment.refunded, once however often it is asked', async () => {
    const orderId = await paid(2500);
    const refundRequested = domainEvent(paymentTopics.refundRequested, { orderId, reason: 'CUSTOMER_CANCELLED' });
    await Promise.all([bus.publish(refundRequested), bus.publish(refundRequested)]);
    const [, refunded] = await answersFor(orderId, 2);
    await bus.publish(refundRequested);
    await bus.publish(domainEvent(paymentTopics.refundRequested, { orderId, reason: 'CUSTOMER_CANCELLED' }));
    await sleep(150);

    const payment = await paymentOf(orderId);
    expect(payment?.status).toBe('REFUNDED');
    const answer = { orderId, paymentId: payment?.id, amount: 2500, currency: 'EUR' };
    expect(refunded).toMatchObject({ topic: 'payment.refunded', payload: answer });
    expect((await answersFor(orderId)).map((e) => e.topic)).toEqual(['payment.succeeded', 'payment.refunded']);
    expect(await outboxOf(orderId)).toEqual([
      expect.objectContaining({ topic: 'payment.succeeded' }),
      { topic: 'payment.refunded', payload: answer },
    ]);
    expect(
      provider
        .refunds()
        .filter((r) => r.chargeRef === payment?.providerRef)
        .map((r) => r.amount),
    ).toEqual([2500]);
    expect((await store.refundsOf(payment!.id)).map((r) => [r.idempotencyKey, r.status])).toEqual([
      [orderRefundKey(orderId), 'SUCCEEDED'],
    ]);
    expect(await wasProcessed(refundRequested)).toBe(true);
  });

  it('for a FAILED payment, or an order never charged, there is nothing to refund: no answer, event handled', async () => {
    const declined = paymentRequested('tok_decline');
    await bus.publish(declined);
    await answersFor(orderOf(declined));
    const refunds = provider.refunds().length;
    const forDeclined = domainEvent(paymentTopics.refundRequested, { orderId: orderOf(declined), reason: 'PAYMENT_DECLINED' });
    const forUncharged = domainEvent(paymentTopics.refundRequested, { orderId: randomUUID(), reason: 'OUT_OF_STOCK' });
    await bus.publish(forDeclined);
    await bus.publish(forUncharged);
    for (let i = 0; i < 200 && !((await wasProcessed(forDeclined)) && (await wasProcessed(forUncharged))); i += 1)
      await sleep(10);

    expect(await wasProcessed(forDeclined)).toBe(true);
    expect(await wasProcessed(forUncharged)).toBe(true);
    expect(provider.refunds()).toHaveLength(refunds);
    expect((await outboxOf(orderOf(declined))).map((e) => e.topic)).toEqual(['payment.failed']);
    expect(await outboxOf(orderOf(forUncharged))).toEqual([]);
    expect(await store.refundsOf((await paymentOf(orderOf(declined)))!.id)).toEqual([]);
  });

  it('while the charge is in flight it is refused for a retry, and refunds once the charge has settled', async () => {
    const requested = paymentRequested('tok_visa', 1800);
    const orderId = orderOf(requested);
    const open = provider.gate(orderId);
    await bus.publish(requested);
    for (let i = 0; i < 200 && (await paymentOf(orderId))?.status !== 'PENDING'; i += 1) await sleep(5);

    const refundRequested = domainEvent(paymentTopics.refundRequested, { orderId, reason: 'CUSTOMER_CANCELLED' });
    const deps = { payments: store, provider, logger, policy };
    await expect(onRefundRequested(deps, refundRequested)).rejects.toBeInstanceOf(NotYetHandled);
    await bus.publish(refundRequested);
    await sleep(30);
    open();

    const answers = await answersFor(orderId, 2);
    expect(answers.map((e) => e.topic)).toEqual(['payment.succeeded', 'payment.refunded']);
    expect((await paymentOf(orderId))?.status).toBe('REFUNDED');
    expect((await bus.deadLetters()).filter((l) => l.event.id === refundRequested.id)).toEqual([]);
  });

  it('a malformed refund request is dead-lettered at once', async () => {
    const poison = domainEvent(paymentTopics.refundRequested, { order: 'nope' });
    await bus.publish(poison);
    for (let i = 0; i < 200 && !(await bus.deadLetters()).some((l) => l.event.id === poison.id); i += 1) await sleep(10);
    const letter = (await bus.deadLetters()).find((l) => l.event.id === poison.id);
    expect(letter).toMatchObject({ group: 'payments', reason: 'content', deliveries: 1 });
  });
});
