import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgPool, sqlClient } from '#kit/database';
import { createTestDatabase, type TestDatabase } from '#kit/testing';
import { createPaymentsDb, createPaymentStore, type PaymentsDb } from '../adapters/payment-store.ts';
import { createSimulatedProvider, type SimulatedProvider } from '../adapters/simulated-provider.ts';
import { newCharge } from '../domain/payment.ts';
import { ProviderUnavailable, systemClock, type Clock, type PaymentProvider, type PaymentStore } from '../ports.ts';
import { chargeKey, chargeOrder } from './charge-order.ts';

let database: TestDatabase;
let db: PaymentsDb;
let store: PaymentStore;

beforeAll(async () => {
  database = await createTestDatabase('payments');
  // Wired as the subgraph wires it: Prisma and the charge path's plain SQL on one pool.
  const pool = pgPool(database.url, 8);
  db = createPaymentsDb(pool);
  store = createPaymentStore(db, { sql: sqlClient(pool) });
});
afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

const fast = { attempts: 3, timeoutMs: 500, backoffMs: 5 };
const order = (paymentMethod: string, amount = 4200) => ({
  orderId: randomUUID(),
  payerId: randomUUID(),
  amount,
  currency: 'EUR',
  paymentMethod,
});

/** The real simulated processor, counting the charge requests it receives. */
function countingProvider(provider: SimulatedProvider = createSimulatedProvider({ latencyMs: 1 })) {
  const counted = {
    calls: 0,
    name: provider.name,
    charge: (...args: Parameters<PaymentProvider['charge']>) => {
      counted.calls += 1;
      return provider.charge(...args);
    },
    refund: provider.refund,
    ledger: provider.ledger,
  };
  return counted;
}

/** The system clock, remembering how long the use case chose to wait each time. */
function recordingClock(): Clock & { waits: number[] } {
  const waits: number[] = [];
  return { waits, now: systemClock.now, sleep: (ms) => (waits.push(ms), systemClock.sleep(ms)) };
}

const attemptsOf = async (paymentId: string) =>
  (await store.attemptsOf([paymentId])).map((a) => [a.outcome, a.succeeded, a.failureReason]);

describe('charging an order (real PostgreSQL, simulated processor)', () => {
  it('tok_visa: the payment SUCCEEDS with the charge reference and one successful attempt', async () => {
    const provider = countingProvider();
    const input = order('tok_visa');
    const { payment, result, reason } = await chargeOrder({ payments: store, provider }, input, fast);

    expect(result).toBe('SUCCEEDED');
    expect(reason).toBeUndefined();
    const [charged] = provider.ledger();
    expect(charged).toMatchObject({ idempotencyKey: chargeKey(input.orderId), outcome: 'succeeded', amount: 4200 });
    expect(payment).toMatchObject({
      orderId: input.orderId,
      payerId: input.payerId,
      amount: { amount: 4200, currency: 'EUR' },
      status: 'SUCCEEDED',
      provider: 'simulated',
      providerRef: charged?.providerRef,
      failureReason: null,
    });
    expect((await store.byOrderIds([input.orderId]))[0]?.status).toBe('SUCCEEDED');
    expect(await attemptsOf(payment.id)).toEqual([['SUCCEEDED', true, null]]);
  });

  it.each([
    ['tok_decline', 'The card was declined'],
    ['tok_insufficient_funds', 'Insufficient funds'],
  ])('%s: the payment FAILS at once as DECLINED, one attempt, no retry', async (token, why) => {
    const provider = countingProvider();
    const clock = recordingClock();
    const { payment, result, reason } = await chargeOrder({ payments: store, provider, clock }, order(token), fast);

    expect(result).toBe('DECLINED');
    expect(reason).toBe(why);
    expect(payment).toMatchObject({ status: 'FAILED', failureReason: why, providerRef: null });
    expect(provider.calls).toBe(1);
    expect(clock.waits).toEqual([]);
    expect(await attemptsOf(payment.id)).toEqual([['DECLINED', false, why]]);
  });

  it('tok_processing_error: retried with exponential backoff, then FAILED with PAYMENT_ERROR after N attempts', async () => {
    const provider = countingProvider();
    const clock = recordingClock();
    const policy = { attempts: 4, timeoutMs: 500, backoffMs: 5 };
    const { payment, result, reason } = await chargeOrder(
      { payments: store, provider, clock },
      order('tok_processing_error'),
      policy,
    );

    expect(result).toBe('ERROR');
    expect(reason).toMatch(/^PAYMENT_ERROR: the payment provider could not complete the charge after 4 attempts/);
    expect(payment).toMatchObject({ status: 'FAILED', failureReason: reason });
    expect(provider.calls).toBe(4);
    expect(clock.waits).toEqual([5, 10, 20]);
    const attempts = await attemptsOf(payment.id);
    expect(attempts).toHaveLength(4);
    expect(attempts.every(([outcome, succeeded]) => outcome === 'ERROR' && succeeded === false)).toBe(true);
    expect(provider.ledger()).toEqual([]);
  });

  it('tok_timeout: each call gives up after timeoutMs, retried, then FAILED; no money was taken', async () => {
    // The processor gives up long after the caller's three attempts, even on a loaded machine.
    const provider = countingProvider(createSimulatedProvider({ latencyMs: 1, timeoutDelayMs: 1000 }));
    const { payment, result, reason } = await chargeOrder({ payments: store, provider }, order('tok_timeout'), {
      attempts: 3,
      timeoutMs: 50,
      backoffMs: 5,
    });

    expect(result).toBe('ERROR');
    expect(reason).toMatch(/^PAYMENT_ERROR: .*after 3 attempts \(The card processor did not answer within 50 ms\)$/);
    expect(payment.status).toBe('FAILED');
    expect(provider.calls).toBe(3);
    expect(await attemptsOf(payment.id)).toEqual(
      Array.from({ length: 3 }, () => ['ERROR', false, 'The card processor did not answer within 50 ms']),
    );
    await sleep(1050); // the processor's own delay has passed too
    expect(provider.ledger().filter((c) => c.outcome === 'succeeded')).toEqual([]);
  });

  it('a processing error that clears on retry ends SUCCEEDED with both attempts recorded', async () => {
    const real = createSimulatedProvider({ latencyMs: 1 });
    let failuresLeft = 1;
    const flaky: PaymentProvider = {
      name: real.name,
      refund: real.refund,
      charge: (request, options) => {
        if (failuresLeft-- > 0) return Promise.reject(new ProviderUnavailable('processing_error', 'Gateway hiccup'));
        return real.charge(request, options);
      },
    };
    const { payment, result } = await chargeOrder({ payments: store, provider: flaky }, order('tok_visa'), fast);
    expect(result).toBe('SUCCEEDED');
    expect(payment.status).toBe('SUCCEEDED');
    expect(await attemptsOf(payment.id)).toEqual([
      ['ERROR', false, 'Gateway hiccup'],
      ['SUCCEEDED', true, null],
    ]);
  });
});

describe('charging an order is idempotent per order', () => {
  it('charging the same order again returns the same payment without calling the processor', async () => {
    const provider = countingProvider();
    const input = order('tok_visa');
    const first = await chargeOrder({ payments: store, provider }, input, fast);
    const second = await chargeOrder({ payments: store, provider }, input, fast);

    expect(second).toEqual(first);
    expect(provider.calls).toBe(1);
    expect(provider.ledger()).toHaveLength(1);
    expect(await store.attemptsOf([first.payment.id])).toHaveLength(1);
  });

  it('a FAILED payment is final: asking again returns the same decline or error, no new call', async () => {
    const provider = countingProvider();
    const declined = order('tok_decline');
    const erroring = order('tok_processing_error');
    const firstDecline = await chargeOrder({ payments: store, provider }, declined, fast);
    const firstError = await chargeOrder({ payments: store, provider }, erroring, fast);
    const calls = provider.calls;

    expect(await chargeOrder({ payments: store, provider }, declined, fast)).toEqual(firstDecline);
    const again = await chargeOrder({ payments: store, provider }, erroring, fast);
    expect(again).toMatchObject({ result: 'ERROR', reason: firstError.reason, payment: { id: firstError.payment.id } });
    expect(provider.calls).toBe(calls);
  });

  it('five concurrent charges of one order make one processor call and return the same payment', async () => {
    const provider = countingProvider(createSimulatedProvider({ latencyMs: 30 }));
    const input = order('tok_visa');
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => chargeOrder({ payments: store, provider }, input, fast)));

    expect(new Set(outcomes.map((o) => o.payment.id)).size).toBe(1);
    expect(outcomes.map((o) => o.result)).toEqual(Array(5).fill('SUCCEEDED'));
    expect(provider.calls).toBe(1);
    expect(provider.ledger().filter((c) => c.outcome === 'succeeded')).toHaveLength(1);
    expect(await db.payment.count({ where: { orderId: input.orderId } })).toBe(1);
    expect(await store.attemptsOf([outcomes[0]!.payment.id])).toHaveLength(1);
  });

  it('a caller waits while another holds the charge, and returns that caller’s result', async () => {
    const provider = countingProvider();
    const input = order('tok_visa');
    const { payment: pending } = await store.openCharge(newCharge(input), 'simulated');
    expect(await store.claimCharge(pending.id, new Date(), new Date(Date.now() + 60_000))).toBe(true);

    const waiting = chargeOrder({ payments: store, provider }, input, fast);
    await sleep(100);
    expect(provider.calls).toBe(0);
    await store.settleCharge(
      pending,
      { outcome: 'SUCCEEDED', providerRef: 'ch_sim_other' },
      { status: 'SUCCEEDED', providerRef: 'ch_sim_other' },
    );
    expect(await waiting).toMatchObject({ result: 'SUCCEEDED', payment: { id: pending.id, providerRef: 'ch_sim_other' } });
    expect(provider.calls).toBe(0);
  });

  it('a charge whose caller died is taken over once its claim has passed, under the same processor key', async () => {
    const provider = countingProvider();
    const input = order('tok_visa');
    const { payment: pending } = await store.openCharge(newCharge(input), 'simulated');
    const claimedUntil = new Date(Date.now() + 60_000);
    await store.claimCharge(pending.id, new Date(), claimedUntil);

    const later: Clock = { now: () => new Date(claimedUntil.getTime() + 1), sleep: systemClock.sleep };
    const outcome = await chargeOrder({ payments: store, provider, clock: later }, input, fast);
    expect(outcome).toMatchObject({ result: 'SUCCEEDED', payment: { id: pending.id } });
    expect(provider.ledger()).toEqual([expect.objectContaining({ idempotencyKey: chargeKey(input.orderId) })]);
  });

  it('an unexpected failure gives the charge up at once, so the next call can charge without waiting', async () => {
    const real = createSimulatedProvider({ latencyMs: 1 });
    const broken: PaymentProvider = { ...real, charge: () => Promise.reject(new Error('TLS handshake failed')) };
    const input = order('tok_visa');
    await expect(chargeOrder({ payments: store, provider: broken }, input, fast)).rejects.toThrow('TLS handshake failed');
    expect((await store.byOrderIds([input.orderId]))[0]?.status).toBe('PENDING');

    const started = performance.now();
    const outcome = await chargeOrder({ payments: store, provider: real }, input, fast);
    expect(outcome.result).toBe('SUCCEEDED');
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('charge requests that are refused', () => {
  it('charging an order again for another amount is a CONFLICT and charges nothing more', async () => {
    const provider = countingProvider();
    const input = order('tok_visa', 1000);
    await chargeOrder({ payments: store, provider }, input, fast);
    await expect(chargeOrder({ payments: store, provider }, { ...input, amount: 2000 }, fast)).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect(provider.calls).toBe(1);
  });

  it.each([
    ['amount', { amount: 0 }],
    ['currency', { currency: 'euro' }],
    ['orderId', { orderId: 'order-1' }],
    ['paymentMethod', { paymentMethod: '  ' }],
  ])('a bad %s is BAD_USER_INPUT and writes nothing', async (field, change) => {
    const provider = countingProvider();
    const input = { ...order('tok_visa'), ...change };
    await expect(chargeOrder({ payments: store, provider }, input, fast)).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { field },
    });
    expect(provider.calls).toBe(0);
    if (field !== 'orderId') expect(await store.byOrderIds([input.orderId])).toEqual([]);
  });
});
