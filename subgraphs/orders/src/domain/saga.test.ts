import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newOrder, type CancelReason, type Order, type OrderStatus } from './order.ts';
import { decide, type SagaInput } from './saga.ts';

const at = new Date('2026-11-22T10:00:00.000Z');
const product = randomUUID();
const placed = newOrder(
  { id: randomUUID(), buyerId: randomUUID(), items: [{ productId: product, quantity: 2 }], paymentMethod: 'tok_visa' },
  at,
);
const priced = { amount: 500, currency: 'EUR' };
const orderIn = (status: OrderStatus, cancelReason: CancelReason | null = null): Order => ({
  ...placed.order,
  status,
  cancelReason,
  total: status === 'PENDING' ? null : priced,
});
const reserved: SagaInput = {
  type: 'reserved',
  lines: [{ productId: product, quantity: 2, unitPriceAmount: 250, currency: 'EUR' }],
};

const step = (order: Order, input: SagaInput) => {
  const s = decide(order, placed.items, input, at);
  return {
    status: s.order.status,
    reason: s.order.cancelReason,
    moves: s.moves.map((m) => m.status),
    commands: s.commands.map((c) => c.type),
  };
};

describe('the order saga, on the happy path', () => {
  it('prices a PENDING order from its reservation, moves it to RESERVED and asks for the charge', () => {
    const s = decide(orderIn('PENDING'), placed.items, reserved, at);
    expect(s.order).toMatchObject({ status: 'RESERVED', total: priced });
    expect(s.pricedItems?.map((i) => i.unitPrice)).toEqual([{ amount: 250, currency: 'EUR' }]);
    expect(s.commands).toEqual([{ type: 'charge', amount: priced, paymentMethod: 'tok_visa' }]);
    expect(s.moves).toEqual([{ status: 'RESERVED', reason: null, at }]);
  });

  it('moves a charged order to PAID and asks inventory to commit, then CONFIRMED once committed', () => {
    expect(step(orderIn('RESERVED'), { type: 'payment_succeeded' })).toEqual({
      status: 'PAID',
      reason: null,
      moves: ['PAID'],
      commands: ['commit'],
    });
    expect(step(orderIn('PAID'), { type: 'committed' })).toEqual({
      status: 'CONFIRMED',
      reason: null,
      moves: ['CONFIRMED'],
      commands: [],
    });
  });
});

describe('the order saga, when something fails', () => {
  it.each<[string, OrderStatus, SagaInput, CancelReason, string[]]>([
    ['out of stock', 'PENDING', { type: 'reservation_failed' }, 'OUT_OF_STOCK', []],
    ['a declined card', 'RESERVED', { type: 'payment_failed', reason: 'PAYMENT_DECLINED' }, 'PAYMENT_DECLINED', ['release']],
    [
      'a processor that never answered',
      'RESERVED',
      { type: 'payment_failed', reason: 'PAYMENT_ERROR' },
      'PAYMENT_ERROR',
      ['release'],
    ],
    // The charge's answer may be late or lost: a refund of nothing is nothing.
    ['a reservation expired before payment', 'RESERVED', { type: 'reservation_expired' }, 'RESERVATION_EXPIRED', ['refund']],
    ['a reservation expired while pending', 'PENDING', { type: 'reservation_expired' }, 'RESERVATION_EXPIRED', []],
    ['a reservation gone when committing a paid order', 'PAID', { type: 'commit_failed' }, 'RESERVATION_EXPIRED', ['refund']],
    ['the buyer cancelling a pending order', 'PENDING', { type: 'cancel_requested' }, 'CANCELLED_BY_CUSTOMER', ['release']],
    [
      'the buyer cancelling a reserved order (its charge may be in flight)',
      'RESERVED',
      { type: 'cancel_requested' },
      'CANCELLED_BY_CUSTOMER',
      ['release', 'refund'],
    ],
    ['the watchdog, for a pending order', 'PENDING', { type: 'deadline_passed' }, 'TIMED_OUT', ['release']],
    ['the watchdog, for a reserved order', 'RESERVED', { type: 'deadline_passed' }, 'TIMED_OUT', ['release', 'refund']],
    ['the watchdog, for a paid order', 'PAID', { type: 'deadline_passed' }, 'TIMED_OUT', ['release', 'refund']],
    ['the buyer cancelling a paid order', 'PAID', { type: 'cancel_requested' }, 'CANCELLED_BY_CUSTOMER', ['release', 'refund']],
  ])('cancels on %s, with the reason, undoing what was done', (_name, from, input, reason, commands) => {
    expect(step(orderIn(from), input)).toEqual({ status: 'CANCELLED', reason, moves: ['CANCELLED'], commands });
  });

  it('releases a reservation made for an order cancelled meanwhile, and refunds a charge that succeeded for one', () => {
    const cancelled = orderIn('CANCELLED', 'CANCELLED_BY_CUSTOMER');
    expect(step(cancelled, reserved)).toEqual({
      status: 'CANCELLED',
      reason: 'CANCELLED_BY_CUSTOMER',
      moves: [],
      commands: ['release'],
    });
    expect(step(cancelled, { type: 'payment_succeeded' })).toEqual({
      status: 'CANCELLED',
      reason: 'CANCELLED_BY_CUSTOMER',
      moves: [],
      commands: ['refund'],
    });
  });

  it.each<[OrderStatus, SagaInput]>([
    ['RESERVED', reserved],
    ['CONFIRMED', { type: 'payment_succeeded' }],
    ['CANCELLED', { type: 'payment_failed', reason: 'PAYMENT_DECLINED' }],
    ['CANCELLED', { type: 'reservation_failed' }],
    ['CONFIRMED', { type: 'reservation_expired' }],
    ['PAID', { type: 'reservation_expired' }],
    ['CANCELLED', { type: 'committed' }],
    ['CONFIRMED', { type: 'commit_failed' }],
    ['CONFIRMED', { type: 'deadline_passed' }],
    ['CANCELLED', { type: 'deadline_passed' }],
  ])('absorbs a late answer to a %s order (%o): nothing moves, nothing is sent', (status, input) => {
    const order = orderIn(status, status === 'CANCELLED' ? 'PAYMENT_DECLINED' : null);
    expect(step(order, input)).toMatchObject({ status, moves: [], commands: [] });
  });

  it.each<[string, { currency: string; unitPriceAmount: number; quantity: number }[], CancelReason]>([
    ['a zero-priced product', [{ currency: 'EUR', unitPriceAmount: 0, quantity: 2 }], 'ZERO_TOTAL'],
    [
      'prices in two currencies',
      [
        { currency: 'EUR', unitPriceAmount: 100, quantity: 1 },
        { currency: 'USD', unitPriceAmount: 100, quantity: 1 },
      ],
      'MIXED_CURRENCIES',
    ],
    ['a total past what can be charged', [{ currency: 'EUR', unitPriceAmount: 2_000_000_000, quantity: 2 }], 'TOTAL_TOO_LARGE'],
  ])('cancels at once an order reserved at %s, releasing the stock, and never asks for a charge', (_name, lines, reason) => {
    const products = lines.map(() => randomUUID());
    const order = newOrder(
      {
        id: randomUUID(),
        buyerId: randomUUID(),
        items: lines.map((line, i) => ({ productId: products[i]!, quantity: line.quantity })),
        paymentMethod: 'tok_visa',
      },
      at,
    );
    const s = decide(
      order.order,
      order.items,
      {
        type: 'reserved',
        lines: lines.map((line, i) => ({ ...line, productId: products[i]! })),
      },
      at,
    );
    expect(s.order).toMatchObject({ status: 'CANCELLED', cancelReason: reason });
    expect(s.commands).toEqual([{ type: 'release', reason }]);
  });

  it('a reservation that breaks the contract (a line missing) is refused as bad content, for an operator', () => {
    expect(() =>
      step(orderIn('PENDING'), {
        type: 'reserved',
        lines: [{ productId: randomUUID(), quantity: 2, unitPriceAmount: 250, currency: 'EUR' }],
      }),
    ).toThrowError(expect.objectContaining({ name: 'InvalidMessage' }) as Error);
  });

  it.each<OrderStatus>(['CONFIRMED', 'CANCELLED'])('refuses to cancel a %s order (CONFLICT)', (status) => {
    const order = orderIn(status, status === 'CANCELLED' ? 'OUT_OF_STOCK' : null);
    expect(() => step(order, { type: 'cancel_requested' })).toThrowError(expect.objectContaining({ code: 'CONFLICT' }) as Error);
  });
});
