import { describe, expect, it } from 'vitest';
import type { DomainError } from '#kit/errors';
import {
  assertSameCharge,
  chargeAmount,
  newCharge,
  nextStatuses,
  paymentErrorReason,
  paymentStatuses,
  settledResult,
  transition,
  type PaymentStatus,
} from './payment.ts';

const allowed: [PaymentStatus, PaymentStatus][] = [
  ['PENDING', 'SUCCEEDED'],
  ['PENDING', 'FAILED'],
  ['SUCCEEDED', 'REFUNDED'],
  ['SUCCEEDED', 'PARTIALLY_REFUNDED'],
  ['PARTIALLY_REFUNDED', 'REFUNDED'],
];
const isAllowed = (from: PaymentStatus, to: PaymentStatus) => allowed.some(([f, t]) => f === from && t === to);
const refused = paymentStatuses.flatMap((from) =>
  paymentStatuses.filter((to) => !isAllowed(from, to)).map((to): [PaymentStatus, PaymentStatus] => [from, to]),
);

describe('payment status transitions', () => {
  it.each(allowed)('a %s payment can become %s', (from, to) => {
    expect(transition(from, to)).toBe(to);
  });

  // Every other pair, staying put included.
  it.each(refused)('a %s payment cannot become %s: CONFLICT', (from, to) => {
    expect(() => transition(from, to)).toThrowError(
      expect.objectContaining({ code: 'CONFLICT', details: { from, to } }) as DomainError,
    );
  });

  it('failed and fully refunded payments are final', () => {
    expect(nextStatuses('FAILED')).toEqual([]);
    expect(nextStatuses('REFUNDED')).toEqual([]);
  });

  it('the refusal says which move was refused', () => {
    expect(() => transition('FAILED', 'SUCCEEDED')).toThrowError('A failed payment cannot become succeeded');
  });
});

describe('charge amounts', () => {
  it('a positive whole number of minor units in an ISO currency is accepted', () => {
    expect(chargeAmount(1999, 'EUR')).toEqual({ amount: 1999, currency: 'EUR' });
  });

  it.each([[0], [-5], [19.99], [2 ** 31]])('the amount %d is refused', (amount) => {
    expect(() => chargeAmount(amount, 'EUR')).toThrowError(
      expect.objectContaining({ code: 'BAD_USER_INPUT', details: { field: 'amount' } }) as DomainError,
    );
  });

  it.each([['eur'], ['EURO'], ['']])('the currency %j is refused', (currency) => {
    expect(() => chargeAmount(100, currency)).toThrowError(
      expect.objectContaining({ code: 'BAD_USER_INPUT', details: { field: 'currency' } }) as DomainError,
    );
  });
});

describe('charge requests', () => {
  const valid = {
    orderId: '0b4c2a9e-1f7d-4b8e-8f3a-2d6c9e1a7b55',
    payerId: '5d2e8f1a-3c4b-4a6d-9e7f-1b2c3d4e5f60',
    amount: 1999,
    currency: 'EUR',
    paymentMethod: ' tok_visa ',
  };

  it('a valid request becomes a charge with money and a trimmed payment method', () => {
    expect(newCharge(valid)).toEqual({
      orderId: valid.orderId,
      payerId: valid.payerId,
      amount: { amount: 1999, currency: 'EUR' },
      paymentMethod: 'tok_visa',
    });
  });

  it.each([
    ['orderId', { orderId: '42' }],
    ['payerId', { payerId: '' }],
    ['paymentMethod', { paymentMethod: '' }],
    ['paymentMethod', { paymentMethod: 'x'.repeat(201) }],
    ['amount', { amount: -1 }],
  ])('a bad %s is refused', (field, change) => {
    expect(() => newCharge({ ...valid, ...change })).toThrowError(
      expect.objectContaining({ code: 'BAD_USER_INPUT', details: { field } }) as DomainError,
    );
  });

  it('an order already charged for another amount or payer is a CONFLICT', () => {
    const charge = newCharge(valid);
    const payment = {
      id: 'p1',
      orderId: valid.orderId,
      payerId: valid.payerId,
      amount: { amount: 1999, currency: 'EUR' },
      status: 'PENDING' as const,
      provider: 'simulated',
      providerRef: null,
      failureReason: null,
      createdAt: new Date(),
    };
    expect(() => assertSameCharge(payment, charge)).not.toThrow();
    expect(() => assertSameCharge({ ...payment, amount: { amount: 2000, currency: 'EUR' } }, charge)).toThrowError(
      expect.objectContaining({ code: 'CONFLICT' }) as DomainError,
    );
    expect(() => assertSameCharge({ ...payment, payerId: 'someone-else' }, charge)).toThrowError(
      expect.objectContaining({ code: 'CONFLICT' }) as DomainError,
    );
  });
});

describe('the result of a settled payment', () => {
  const payment = (status: PaymentStatus) => ({ status }) as Parameters<typeof settledResult>[0];

  it.each([['SUCCEEDED'], ['PARTIALLY_REFUNDED'], ['REFUNDED']] as const)('a %s payment was charged', (status) => {
    expect(settledResult(payment(status), undefined)).toBe('SUCCEEDED');
  });

  it('a failed payment whose last attempt was declined was DECLINED; otherwise an ERROR', () => {
    expect(settledResult(payment('FAILED'), 'DECLINED')).toBe('DECLINED');
    expect(settledResult(payment('FAILED'), 'ERROR')).toBe('ERROR');
    expect(settledResult(payment('FAILED'), undefined)).toBe('ERROR');
  });

  it('a pending payment has no result yet', () => {
    expect(settledResult(payment('PENDING'), undefined)).toBeNull();
  });

  it('the PAYMENT_ERROR reason says how many attempts were made and the last error', () => {
    expect(paymentErrorReason(3, 'timeout')).toBe(
      'PAYMENT_ERROR: the payment provider could not complete the charge after 3 attempts (timeout)',
    );
    expect(paymentErrorReason(1, 'x')).toContain('after 1 attempt (x)');
  });
});
