import { describe, expect, it } from 'vitest';
import type { DomainError } from '#kit';
import { chargeAmount, nextStatuses, paymentStatuses, transition, type PaymentStatus } from './payment.ts';

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
