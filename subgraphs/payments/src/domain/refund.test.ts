import { describe, expect, it } from 'vitest';
import type { DomainError } from '#kit/errors';
import type { Payment, PaymentStatus } from './payment.ts';
import { refundAmount, statusAfterRefunds } from './refund.ts';

const payment = (status: PaymentStatus, extra: Partial<Payment> = {}): Payment => ({
  id: '6f1c1d4e-8c1b-4d7e-9a51-0f6b2f1e9a10',
  orderId: '0b4c2a9e-1f7d-4b8e-8f3a-2d6c9e1a7b55',
  payerId: '5d2e8f1a-3c4b-4a6d-9e7f-1b2c3d4e5f60',
  amount: { amount: 1000, currency: 'EUR' },
  status,
  provider: 'simulated',
  providerRef: 'ch_sim_1',
  failureReason: null,
  createdAt: new Date('2026-03-01T10:00:00Z'),
  ...extra,
});

describe('how much a refund may take', () => {
  it('without an amount, everything not yet refunded or being refunded', () => {
    expect(refundAmount(payment('SUCCEEDED'), 0)).toBe(1000);
    expect(refundAmount(payment('PARTIALLY_REFUNDED'), 350)).toBe(650);
  });

  it('an amount up to what is left is taken as asked', () => {
    expect(refundAmount(payment('SUCCEEDED'), 300, 700)).toBe(700);
  });

  it('more than is left is BAD_USER_INPUT naming what is left', () => {
    expect(() => refundAmount(payment('PARTIALLY_REFUNDED'), 300, 701)).toThrowError(
      expect.objectContaining({
        code: 'BAD_USER_INPUT',
        message: 'At most 700 (minor units of EUR) is left to refund on this payment',
      }) as DomainError,
    );
  });

  it.each([[0], [-10], [1.5]])('an amount of %d is BAD_USER_INPUT', (amount) => {
    expect(() => refundAmount(payment('SUCCEEDED'), 0, amount)).toThrowError(
      expect.objectContaining({ code: 'BAD_USER_INPUT', details: { field: 'amount' } }) as DomainError,
    );
  });

  it.each([
    ['PENDING', 'A pending payment cannot be refunded'],
    ['FAILED', 'A failed payment cannot be refunded'],
    ['REFUNDED', 'This payment is already fully refunded'],
  ] as const)('a %s payment cannot be refunded: CONFLICT', (status, message) => {
    expect(() => refundAmount(payment(status), 0, 1)).toThrowError(
      expect.objectContaining({ code: 'CONFLICT', message }) as DomainError,
    );
  });

  it('a payment whose refunds in progress already take everything: CONFLICT', () => {
    expect(() => refundAmount(payment('SUCCEEDED'), 1000)).toThrowError(
      expect.objectContaining({ code: 'CONFLICT' }) as DomainError,
    );
  });

  it('a payment without a provider charge reference cannot be refunded', () => {
    expect(() => refundAmount(payment('SUCCEEDED', { providerRef: null }), 0)).toThrowError(
      'This payment has no provider charge to refund',
    );
  });
});

describe('a payment status after refunds', () => {
  it.each([
    ['SUCCEEDED', 300, 'PARTIALLY_REFUNDED'],
    ['SUCCEEDED', 1000, 'REFUNDED'],
    ['PARTIALLY_REFUNDED', 600, 'PARTIALLY_REFUNDED'],
    ['PARTIALLY_REFUNDED', 1000, 'REFUNDED'],
  ] as const)('a %s payment with %d refunded is %s', (status, refunded, expected) => {
    expect(statusAfterRefunds(payment(status), refunded)).toBe(expected);
  });

  it.each([['FAILED'], ['PENDING'], ['REFUNDED']] as const)('a %s payment cannot take a refund: CONFLICT', (status) => {
    expect(() => statusAfterRefunds(payment(status), 100)).toThrowError(
      expect.objectContaining({ code: 'CONFLICT' }) as DomainError,
    );
  });
});
