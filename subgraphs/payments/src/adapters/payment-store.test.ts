import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgPool, sqlClient } from '#kit/database';
import { createTestDatabase, type TestDatabase } from '#kit/testing';
import type { PaymentStore } from '../ports.ts';
import { createPaymentsDb, createPaymentStore, type PaymentsDb } from './payment-store.ts';

let database: TestDatabase;
let db: PaymentsDb;
let store: PaymentStore;

beforeAll(async () => {
  database = await createTestDatabase('payments');
  const pool = pgPool(database.url, 2);
  db = createPaymentsDb(pool);
  store = createPaymentStore(db, { sql: sqlClient(pool) });
});
afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

const seed = (extra: { status?: 'SUCCEEDED' | 'FAILED' } = {}) => {
  const payment = {
    id: randomUUID(),
    orderId: randomUUID(),
    payerId: randomUUID(),
    amount: 4200,
    currency: 'EUR',
    provider: 'simulated',
    ...extra,
  };
  return store.savePayment(payment).then(() => payment);
};

/** A payment as the store returns it, which is what a charge settles. */
const stored = async (id: string) => {
  const [payment] = await store.byIds([id]);
  if (!payment) throw new Error(`payment ${id} was not stored`);
  return payment;
};

describe('prisma payment store (real PostgreSQL)', () => {
  it('a new payment starts PENDING and is found by its id and by its order', async () => {
    const payment = await seed();
    const [byId] = await store.byIds([payment.id]);
    expect(byId).toMatchObject({
      orderId: payment.orderId,
      payerId: payment.payerId,
      amount: { amount: 4200, currency: 'EUR' },
      status: 'PENDING',
    });
    const [byOrder] = await store.byOrderIds([payment.orderId]);
    expect(byOrder?.id).toBe(payment.id);
  });

  it('saving a payment again replaces its fields but keeps one row and its creation time', async () => {
    const payment = await seed();
    const [before] = await store.byIds([payment.id]);
    await store.savePayment({ ...payment, amount: 5000, status: 'SUCCEEDED' });
    const [after] = await store.byIds([payment.id]);
    expect(after).toMatchObject({ amount: { amount: 5000, currency: 'EUR' }, status: 'SUCCEEDED', createdAt: before?.createdAt });
    expect(await db.payment.count({ where: { orderId: payment.orderId } })).toBe(1);
  });

  it('refuses to store a payment of zero', async () => {
    await expect(
      store.savePayment({
        id: randomUUID(),
        orderId: randomUUID(),
        payerId: randomUUID(),
        amount: 0,
        currency: 'EUR',
        provider: 'simulated',
      }),
    ).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('attempts come back oldest first, grouped under their payments', async () => {
    const first = await seed();
    const second = await seed();
    const t0 = Date.parse('2026-03-01T10:00:00.000Z');
    await store.addAttempt({ paymentId: first.id, succeeded: true, providerRef: 'sim_2', at: new Date(t0 + 2000) });
    await store.addAttempt({ paymentId: first.id, succeeded: false, failureReason: 'The card was declined', at: new Date(t0) });
    await store.addAttempt({ paymentId: second.id, succeeded: true, at: new Date(t0 + 1000) });

    const attempts = await store.attemptsOf([first.id]);
    expect(attempts.map((a) => [a.succeeded, a.failureReason, a.providerRef])).toEqual([
      [false, 'The card was declined', null],
      [true, null, 'sim_2'],
    ]);
    expect(attempts[0]?.at).toEqual(new Date(t0));
    expect((await store.attemptsOf([first.id, second.id])).map((a) => a.paymentId).sort()).toEqual(
      [first.id, first.id, second.id].sort(),
    );
  });

  it('adding an attempt with a given id twice records it once', async () => {
    const payment = await seed();
    const id = randomUUID();
    await store.addAttempt({ id, paymentId: payment.id, succeeded: false, failureReason: 'Timed out' });
    await store.addAttempt({ id, paymentId: payment.id, succeeded: false, failureReason: 'Timed out' });
    expect(await store.attemptsOf([payment.id])).toHaveLength(1);
  });

  it('ids that are not UUIDs name no payment instead of failing the query', async () => {
    const payment = await seed();
    expect((await store.byIds(['1', payment.id])).map((p) => p.id)).toEqual([payment.id]);
    expect(await store.byOrderIds(['order-1'])).toEqual([]);
  });

  it('an attempt seeded without an outcome takes it from succeeded', async () => {
    const payment = await seed();
    await store.addAttempt({ paymentId: payment.id, succeeded: true });
    await store.addAttempt({ paymentId: payment.id, succeeded: false, failureReason: 'The card was declined' });
    expect((await store.attemptsOf([payment.id])).map((a) => a.outcome).sort()).toEqual(['DECLINED', 'SUCCEEDED']);
  });

  it('a charge is claimed by one caller at a time until its claim passes, and never once settled', async () => {
    const payment = await seed();
    const t0 = new Date('2026-03-01T10:00:00.000Z');
    const at = (ms: number) => new Date(t0.getTime() + ms);
    expect(await store.claimCharge(payment.id, t0, at(1000))).toBe(true);
    expect(await store.claimCharge(payment.id, at(999), at(2000))).toBe(false);
    expect(await store.claimCharge(payment.id, at(1001), at(2000))).toBe(true);
    await store.releaseCharge(payment.id);
    expect(await store.claimCharge(payment.id, t0, at(1000))).toBe(true);

    const { settled } = await store.settleCharge(
      await stored(payment.id),
      { outcome: 'SUCCEEDED', providerRef: 'ch_sim_1' },
      { status: 'SUCCEEDED', providerRef: 'ch_sim_1' },
    );
    expect(settled).toBe(true);
    expect(await store.claimCharge(payment.id, at(5000), at(6000))).toBe(false);
  });

  it('settling a payment that is no longer PENDING changes nothing but records the attempt', async () => {
    const payment = await seed({ status: 'FAILED' });
    const outcome = await store.settleCharge(
      await stored(payment.id),
      { outcome: 'SUCCEEDED', providerRef: 'ch_sim_late' },
      { status: 'SUCCEEDED', providerRef: 'ch_sim_late' },
    );
    expect(outcome).toMatchObject({ settled: false, payment: { status: 'FAILED', providerRef: null } });
    expect(await store.attemptsOf([payment.id])).toHaveLength(1);
  });

  it('opening a charge creates the order’s payment once, claimed by the one caller that created it', async () => {
    const charge = {
      orderId: randomUUID(),
      payerId: randomUUID(),
      amount: { amount: 1500, currency: 'EUR' },
      paymentMethod: 'tok_visa',
    };
    const until = new Date(Date.now() + 60_000);
    const opened = await Promise.all(Array.from({ length: 8 }, () => store.openCharge(charge, 'simulated', until)));
    expect(new Set(opened.map((o) => o.payment.id)).size).toBe(1);
    expect(opened.filter((o) => o.claimed)).toHaveLength(1);
    expect(opened[0]?.payment).toMatchObject({
      orderId: charge.orderId,
      payerId: charge.payerId,
      amount: { amount: 1500, currency: 'EUR' },
      status: 'PENDING',
      provider: 'simulated',
      providerRef: null,
      failureReason: null,
    });
    expect(opened[0]?.payment.createdAt).toBeInstanceOf(Date);
    const id = opened[0]!.payment.id;
    expect(await store.claimCharge(id, new Date(), new Date(Date.now() + 1000))).toBe(false);

    const unclaimed = await store.openCharge({ ...charge, orderId: randomUUID() }, 'simulated');
    expect(unclaimed.claimed).toBe(false);
    expect(await store.claimCharge(unclaimed.payment.id, new Date(), until)).toBe(true);
  });

  it('settling writes the processed mark and the announced events with the payment, and only once', async () => {
    const payment = await stored((await seed()).id);
    const handled = { id: `evt-${randomUUID()}`, topic: 'payment.requested' };
    const announce = (ended: typeof payment) => [
      { id: randomUUID(), topic: 'payment.succeeded', payload: { paymentId: ended.id, status: ended.status } },
    ];
    const first = await store.settleCharge(
      payment,
      { outcome: 'SUCCEEDED', providerRef: 'ch_sim_2' },
      { status: 'SUCCEEDED', providerRef: 'ch_sim_2' },
      { handled, announce },
    );
    expect(first).toMatchObject({ settled: true, payment: { id: payment.id, status: 'SUCCEEDED', providerRef: 'ch_sim_2' } });
    expect(first.payment.createdAt).toEqual(payment.createdAt);
    expect((await store.lastAttempt(payment.id))?.outcome).toBe('SUCCEEDED');
    expect(await store.wasHandled(handled)).toBe(true);

    const again = await store.settleCharge(
      payment,
      { outcome: 'DECLINED', failureReason: 'late' },
      { status: 'FAILED', failureReason: 'late' },
      { handled: { id: `evt-${randomUUID()}`, topic: 'payment.requested' }, announce },
    );
    expect(again).toMatchObject({ settled: false, payment: { status: 'SUCCEEDED', failureReason: null } });
    expect((await store.lastAttempt(payment.id))?.outcome).toBe('DECLINED');
    const outbox = await db.outboxEvent.findMany({ where: { payload: { path: ['paymentId'], equals: payment.id } } });
    expect(outbox.map((e) => [e.topic, e.payload])).toEqual([
      ['payment.succeeded', { paymentId: payment.id, status: 'SUCCEEDED' }],
    ]);
    expect(await db.processedEvent.count({ where: { id: handled.id } })).toBe(1);
  });

  it('an event recorded as handled is handled once', async () => {
    const event = { id: `evt-${randomUUID()}`, topic: 'refund.requested' };
    expect(await store.wasHandled(event)).toBe(false);
    expect(await store.recordHandled(event)).toBe(true);
    expect(await store.recordHandled(event)).toBe(false);
    expect(await store.wasHandled(event)).toBe(true);
  });

  it('the database refuses refunds of zero and attempts whose flag contradicts their outcome', async () => {
    const payment = await seed({ status: 'SUCCEEDED' });
    await expect(
      db.refund.create({ data: { paymentId: payment.id, amount: 0, currency: 'EUR', idempotencyKey: randomUUID() } }),
    ).rejects.toThrow(/refunds_amount_positive/);
    await expect(
      db.paymentAttempt.create({ data: { paymentId: payment.id, succeeded: true, outcome: 'DECLINED' } }),
    ).rejects.toThrow(/payment_attempts_outcome_matches/);
    await expect(db.$executeRaw`UPDATE payments SET amount = 0 WHERE id = ${payment.id}::uuid`).rejects.toThrow(
      /payments_amount_positive/,
    );
  });
});
