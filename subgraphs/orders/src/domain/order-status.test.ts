import { describe, expect, it } from 'vitest';
import { canBecome, cancelReasons, isFinal, nextStatuses, orderStatuses, transition, type OrderStatus } from './order-status.ts';

const legal: [OrderStatus, OrderStatus][] = [
  ['PENDING', 'RESERVED'],
  ['RESERVED', 'PAID'],
  ['PAID', 'CONFIRMED'],
];
const cancellable: OrderStatus[] = ['PENDING', 'RESERVED', 'PAID'];
const allowed = new Set([...legal, ...cancellable.map((s) => [s, 'CANCELLED'])].map(([a, b]) => `${a}->${b}`));
const illegal = orderStatuses
  .flatMap((from) => orderStatuses.map((to): [OrderStatus, OrderStatus] => [from, to]))
  .filter(([from, to]) => !allowed.has(`${from}->${to}`));

describe('order state machine', () => {
  it.each(legal)('an order that is %s can become %s', (from, to) => {
    expect(transition(from, to)).toEqual({ status: to, cancelReason: null });
  });

  it.each(cancellable)('an order that is %s can be cancelled with a reason', (from) => {
    expect(transition(from, 'CANCELLED', 'OUT_OF_STOCK')).toEqual({ status: 'CANCELLED', cancelReason: 'OUT_OF_STOCK' });
  });

  it('every other pair of statuses is refused (the table covers all 25 pairs)', () => {
    expect(allowed.size + illegal.length).toBe(25);
    expect(illegal).toHaveLength(19);
  });

  it.each(illegal)('an order that is %s cannot become %s: CONFLICT', (from, to) => {
    const reason = to === 'CANCELLED' ? 'PAYMENT_ERROR' : null;
    expect(() => transition(from, to, reason)).toThrowError(
      expect.objectContaining({ code: 'CONFLICT', details: { from, to } }) as Error,
    );
  });

  it('a confirmed order cannot be cancelled, whatever the reason', () => {
    for (const reason of cancelReasons) {
      expect(() => transition('CONFIRMED', 'CANCELLED', reason)).toThrowError(
        expect.objectContaining({ code: 'CONFLICT' }) as Error,
      );
    }
  });

  it('cancelling without a reason is BAD_USER_INPUT', () => {
    expect(() => transition('PENDING', 'CANCELLED')).toThrowError(expect.objectContaining({ code: 'BAD_USER_INPUT' }) as Error);
  });

  it('a reason on anything but a cancellation is BAD_USER_INPUT', () => {
    expect(() => transition('PENDING', 'RESERVED', 'OUT_OF_STOCK')).toThrowError(
      expect.objectContaining({ code: 'BAD_USER_INPUT' }) as Error,
    );
  });

  it('only CONFIRMED and CANCELLED are final', () => {
    expect(orderStatuses.filter(isFinal)).toEqual(['CONFIRMED', 'CANCELLED']);
    expect(nextStatuses('PENDING')).toEqual(['RESERVED', 'CANCELLED']);
  });

  it('an order can become any status further along the machine, never one it passed or is in', () => {
    expect(orderStatuses.filter((to) => canBecome('RESERVED', to))).toEqual(['PAID', 'CONFIRMED', 'CANCELLED']);
    expect(orderStatuses.filter((to) => canBecome('PENDING', to))).toEqual(['RESERVED', 'PAID', 'CONFIRMED', 'CANCELLED']);
    expect(orderStatuses.filter((to) => canBecome('CONFIRMED', to) || canBecome('CANCELLED', to))).toEqual([]);
  });
});
