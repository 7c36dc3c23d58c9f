import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '#kit/testing';
import { createPaymentsDb, createPaymentStore, type PaymentsDb } from '../adapters/payment-store.ts';
import { createSimulatedProvider, type SimulatedProvider } from '../adapters/simulated-provider.ts';
import { ProviderUnavailable, type PaymentProvider, type PaymentStore } from '../ports.ts';
import { chargeOrder } from './charge-order.ts';
import { refundPayment } from './refund-payment.ts';

let database: TestDatabase;
let db: PaymentsDb;
let store: PaymentStore;

beforeAll(async () => {
  database = await createTestDatabase('payments');
  db = createPaymentsDb(database.url, 8);
  store = createPaymentStore(db);
});
afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

const fast = { attempts: 3, timeoutMs: 500, backoffMs: 5 };

/** A payment charged through the simulated processor with tok_visa (or `token`). */
async function charged(amount = 1000, token = 'tok_visa') {
  const provider = createSimulatedProvider({ latencyMs: 1 });
  const { payment } = await chargeOrder(
    { payments: store, provider },
    { orderId: randomUUID(), payerId: randomUUID(), amount, currency: 'EUR', paymentMethod: token },
    fast,
  );
  return { provider, payment, deps: { payments: store, provider } };
}

const refunded = (provider: SimulatedProvider) => provider.refunds().reduce((sum, r) => sum + r.amount, 0);
const key = () => `refund-${randomUUID()}`;

describe('refunding a payment (real PostgreSQL, simulated processor)', () => {
  it('a partial refund, then the rest: PARTIALLY_REFUNDED, then REFUNDED', async () => {
    const { provider, payment, deps } = await charged(1000);

    const part = await refundPayment(deps, { paymentId: payment.id, amount: 300, idempotencyKey: key() }, fast);
    expect(part.payment.status).toBe('PARTIALLY_REFUNDED');
    expect(part.refund).toMatchObject({
      paymentId: payment.id,
      amount: { amount: 300, currency: 'EUR' },
      status: 'SUCCEEDED',
      providerRef: provider.refunds()[0]?.providerRef,
    });

    const rest = await refundPayment(deps, { paymentId: payment.id, idempotencyKey: key() }, fast);
    expect(rest.refund.amount.amount).toBe(700);
    expect(rest.payment.status).toBe('REFUNDED');
    expect((await store.byIds([payment.id]))[0]?.status).toBe('REFUNDED');
    expect(refunded(provider)).toBe(1000);
    expect(provider.refunds().every((r) => r.chargeRef === payment.providerRef)).toBe(true);
  });

  it('two partial refunds keep the payment PARTIALLY_REFUNDED until they cover it', async () => {
    const { payment, deps } = await charged(1000);
    await refundPayment(deps, { paymentId: payment.id, amount: 300, idempotencyKey: key() }, fast);
    const second = await refundPayment(deps, { paymentId: payment.id, amount: 200, idempotencyKey: key() }, fast);
    expect(second.payment.status).toBe('PARTIALLY_REFUNDED');
    expect((await store.refundsOf(payment.id)).map((r) => [r.amount.amount, r.status])).toEqual([
      [300, 'SUCCEEDED'],
      [200, 'SUCCEEDED'],
    ]);
  });

  it('refunding more than is left is BAD_USER_INPUT and reserves nothing', async () => {
    const { provider, payment, deps } = await charged(1000);
    await refundPayment(deps, { paymentId: payment.id, amount: 300, idempotencyKey: key() }, fast);
    await expect(refundPayment(deps, { paymentId: payment.id, amount: 701, idempotencyKey: key() }, fast)).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: 'At most 700 (minor units of EUR) is left to refund on this payment',
      details: { field: 'amount' },
    });
    expect(await store.refundsOf(payment.id)).toHaveLength(1);
    expect(refunded(provider)).toBe(300);
  });

  it('a fully refunded payment cannot be refunded again: CONFLICT', async () => {
    const { provider, payment, deps } = await charged(1000);
    await refundPayment(deps, { paymentId: payment.id, idempotencyKey: key() }, fast);
    await expect(refundPayment(deps, { paymentId: payment.id, amount: 1, idempotencyKey: key() }, fast)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'This payment is already fully refunded',
    });
    expect(refunded(provider)).toBe(1000);
  });

  it('a declined payment cannot be refunded: CONFLICT', async () => {
    const { payment, deps } = await charged(1000, 'tok_decline');
    expect(payment.status).toBe('FAILED');
    await expect(refundPayment(deps, { paymentId: payment.id, idempotencyKey: key() }, fast)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'A failed payment cannot be refunded',
    });
  });

  it.each([[randomUUID()], ['not-a-uuid']])('refunding the unknown payment %s is NOT_FOUND', async (paymentId) => {
    const { deps } = await charged();
    await expect(refundPayment(deps, { paymentId, idempotencyKey: key() }, fast)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it.each([[0], [-1], [2.5]])('a refund of %d is BAD_USER_INPUT', async (amount) => {
    const { payment, deps } = await charged();
    await expect(refundPayment(deps, { paymentId: payment.id, amount, idempotencyKey: key() }, fast)).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { field: 'amount' },
    });
    expect(await store.refundsOf(payment.id)).toEqual([]);
  });

  it('an empty idempotency key is BAD_USER_INPUT', async () => {
    const { payment, deps } = await charged();
    await expect(refundPayment(deps, { paymentId: payment.id, idempotencyKey: ' ' }, fast)).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { field: 'idempotencyKey' },
    });
  });
});

describe('refunds are idempotent and never exceed the charge', () => {
  it('the same refund key twice makes one refund and returns it both times', async () => {
    const { provider, payment, deps } = await charged(1000);
    const request = { paymentId: payment.id, amount: 400, idempotencyKey: key() };
    const first = await refundPayment(deps, request, fast);
    const second = await refundPayment(deps, request, fast);
    expect(second.refund).toEqual(first.refund);
    expect(second.payment.status).toBe('PARTIALLY_REFUNDED');
    expect(await store.refundsOf(payment.id)).toHaveLength(1);
    expect(provider.refunds()).toHaveLength(1);
  });

  it('the same refund key sent five times at once makes one refund', async () => {
    const { provider, payment, deps } = await charged(1000);
    const request = { paymentId: payment.id, amount: 250, idempotencyKey: key() };
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => refundPayment(deps, request, fast)));
    expect(new Set(outcomes.map((o) => o.refund.id)).size).toBe(1);
    expect(await store.refundsOf(payment.id)).toHaveLength(1);
    expect(refunded(provider)).toBe(250);
    expect((await store.byIds([payment.id]))[0]?.status).toBe('PARTIALLY_REFUNDED');
  });

  it('a refund key reused for another amount or payment is a CONFLICT', async () => {
    const { payment, deps } = await charged(1000);
    const other = await charged(1000);
    const reused = key();
    await refundPayment(deps, { paymentId: payment.id, amount: 100, idempotencyKey: reused }, fast);
    await expect(refundPayment(deps, { paymentId: payment.id, amount: 200, idempotencyKey: reused }, fast)).rejects.toMatchObject(
      { code: 'CONFLICT', details: { field: 'idempotencyKey' } },
    );
    await expect(
      refundPayment(other.deps, { paymentId: other.payment.id, amount: 100, idempotencyKey: reused }, fast),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await store.refundsOf(other.payment.id)).toEqual([]);
  });

  it('concurrent refunds that together exceed the charge: one is made, the other refused', async () => {
    const { provider, payment, deps } = await charged(1000);
    const results = await Promise.allSettled([
      refundPayment(deps, { paymentId: payment.id, amount: 600, idempotencyKey: key() }, fast),
      refundPayment(deps, { paymentId: payment.id, amount: 600, idempotencyKey: key() }, fast),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refusal = results.find((r) => r.status === 'rejected');
    expect(refusal?.reason).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(refunded(provider)).toBe(600);
    expect(await store.refundsOf(payment.id)).toHaveLength(1);
  });

  it('a refund the processor could not confirm stays PENDING and reserved; the same key finishes it', async () => {
    const { provider, payment } = await charged(1000);
    const down: PaymentProvider = {
      ...provider,
      refund: () => Promise.reject(new ProviderUnavailable('timeout', 'The card processor did not answer within 500 ms')),
    };
    const request = { paymentId: payment.id, amount: 800, idempotencyKey: key() };

    const stuck = await refundPayment({ payments: store, provider: down }, request, fast);
    expect(stuck.refund.status).toBe('PENDING');
    expect(stuck.payment.status).toBe('SUCCEEDED');
    // The 800 are reserved: only 200 are left for anyone else meanwhile.
    await expect(
      refundPayment({ payments: store, provider }, { paymentId: payment.id, amount: 300, idempotencyKey: key() }, fast),
    ).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });

    const finished = await refundPayment({ payments: store, provider }, request, fast);
    expect(finished.refund).toMatchObject({ id: stuck.refund.id, status: 'SUCCEEDED' });
    expect(finished.payment.status).toBe('PARTIALLY_REFUNDED');
    expect(refunded(provider)).toBe(800);
  });
});
