import { describe, expect, it } from 'vitest';
import { changeStatus, lineTotal, newOrder, type NewOrderInput } from './order.ts';

const now = new Date('2026-11-22T10:00:00.000Z');
const eur = (amount: number) => ({ amount, currency: 'EUR' });
const line = (productId: string, quantity = 1, unitPrice = eur(100)) => ({ productId, quantity, unitPrice });
const input = (items: NewOrderInput['items']): NewOrderInput => ({ id: 'o1', buyerId: 'u1', items });

const refusal = (field: string) =>
  expect.objectContaining({ code: 'BAD_USER_INPUT', details: expect.objectContaining({ field }) }) as Error;

describe('a new order', () => {
  it('is PENDING, totals its lines in minor units and keeps them in the order given', () => {
    const { order, items, history } = newOrder(input([line('p1', 3, eur(1999)), line('p2', 1, eur(1))]), now);
    expect(order).toEqual({ id: 'o1', buyerId: 'u1', status: 'PENDING', cancelReason: null, total: eur(5998), createdAt: now });
    expect(items.map((i) => [i.position, i.productId, i.orderId])).toEqual([
      [0, 'p1', 'o1'],
      [1, 'p2', 'o1'],
    ]);
    expect(history).toEqual([{ status: 'PENDING', reason: null, at: now }]);
  });

  it('accepts free items (a unit price of 0)', () => {
    expect(newOrder(input([line('p1', 2, eur(0))]), now).order.total).toEqual(eur(0));
  });

  it('accepts exactly 50 lines and quantities of 1 and 1000', () => {
    const items = Array.from({ length: 50 }, (_, i) => line(`p${i}`, i === 0 ? 1000 : 1, eur(10)));
    expect(newOrder(input(items), now).order.total).toEqual(eur(1000 * 10 + 49 * 10));
  });

  it.each([
    ['no items', [], 'items'],
    ['51 items', Array.from({ length: 51 }, (_, i) => line(`p${i}`)), 'items'],
    ['a quantity of 0', [line('p1', 0)], 'quantity'],
    ['a negative quantity', [line('p1', -1)], 'quantity'],
    ['a quantity of 1001', [line('p1', 1001)], 'quantity'],
    ['a fractional quantity', [line('p1', 1.5)], 'quantity'],
    ['a negative unit price', [line('p1', 1, eur(-1))], 'unitPrice'],
    ['a fractional unit price', [line('p1', 1, eur(9.99))], 'unitPrice'],
    ['two currencies', [line('p1'), line('p2', 1, { amount: 100, currency: 'USD' })], 'currency'],
    ['a malformed currency', [line('p1', 1, { amount: 100, currency: 'eur' })], 'currency'],
    ['the same product twice', [line('p1'), line('p1', 2)], 'productId'],
    ['an empty product id', [line('')], 'productId'],
    ['a total beyond a 32-bit integer', [line('p1', 1000, eur(2_147_484)), line('p2')], 'items'],
  ])('with %s is refused as BAD_USER_INPUT', (_name, items, field) => {
    expect(() => newOrder(input(items), now)).toThrowError(refusal(field));
  });

  it('names the position of the offending line', () => {
    expect(() => newOrder(input([line('p1'), line('p2', 0)]), now)).toThrowError(
      expect.objectContaining({ details: { field: 'quantity', position: 1 } }) as Error,
    );
  });
});

describe('order money and status changes', () => {
  it('a line total is quantity times unit price', () => {
    expect(lineTotal({ quantity: 4, unitPrice: eur(250) })).toEqual(eur(1000));
  });

  it('a status change returns the moved order and the history entry to record', () => {
    const { order } = newOrder(input([line('p1')]), now);
    const later = new Date(now.getTime() + 1000);
    const cancelled = changeStatus(order, 'CANCELLED', 'OUT_OF_STOCK', later);
    expect(cancelled.order).toMatchObject({ status: 'CANCELLED', cancelReason: 'OUT_OF_STOCK', total: eur(100) });
    expect(cancelled.change).toEqual({ status: 'CANCELLED', reason: 'OUT_OF_STOCK', at: later });
    expect(order.status).toBe('PENDING');
  });

  it('a status change the machine forbids leaves nothing to record', () => {
    const { order } = newOrder(input([line('p1')]), now);
    expect(() => changeStatus(order, 'CONFIRMED', null, now)).toThrowError(
      expect.objectContaining({ code: 'CONFLICT' }) as Error,
    );
  });
});
