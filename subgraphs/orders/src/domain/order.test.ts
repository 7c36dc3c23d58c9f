import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  changeStatus,
  historyUpTo,
  lineTotal,
  newOrder,
  priceItems,
  sameRequest,
  type NewOrderInput,
  type StatusChange,
} from './order.ts';

const now = new Date('2026-11-22T10:00:00.000Z');
const eur = (amount: number) => ({ amount, currency: 'EUR' });
const [p1, p2] = [randomUUID(), randomUUID()];
const line = (productId: string, quantity = 1) => ({ productId, quantity });
const input = (items: NewOrderInput['items'], extra: Partial<NewOrderInput> = {}): NewOrderInput => ({
  id: 'o1',
  buyerId: 'u1',
  items,
  paymentMethod: 'tok_visa',
  ...extra,
});

const refusal = (field: string) =>
  expect.objectContaining({ code: 'BAD_USER_INPUT', details: expect.objectContaining({ field }) }) as Error;

describe('a new order', () => {
  it('is PENDING and unpriced, keeps its lines in the order given and the payment method chosen', () => {
    const { order, items, history } = newOrder(input([line(p1, 3), line(p2, 1)]), now);
    expect(order).toEqual({
      id: 'o1',
      buyerId: 'u1',
      status: 'PENDING',
      cancelReason: null,
      total: null,
      paymentMethod: 'tok_visa',
      createdAt: now,
    });
    expect(items.map((i) => [i.position, i.productId, i.quantity, i.unitPrice])).toEqual([
      [0, p1, 3, null],
      [1, p2, 1, null],
    ]);
    expect(history).toEqual([{ status: 'PENDING', reason: null, at: now }]);
  });

  it('accepts exactly 50 lines and quantities of 1 and 1000', () => {
    const items = Array.from({ length: 50 }, (_, i) => line(randomUUID(), i === 0 ? 1000 : 1));
    expect(newOrder(input(items), now).items).toHaveLength(50);
  });

  it.each([
    ['no items', [], {}, 'items'],
    ['51 items', Array.from({ length: 51 }, () => line(randomUUID())), {}, 'items'],
    ['a quantity of 0', [line(p1, 0)], {}, 'quantity'],
    ['a negative quantity', [line(p1, -1)], {}, 'quantity'],
    ['a quantity of 1001', [line(p1, 1001)], {}, 'quantity'],
    ['a fractional quantity', [line(p1, 1.5)], {}, 'quantity'],
    ['the same product twice', [line(p1), line(p1, 2)], {}, 'productId'],
    ['the same product twice in other letter case', [line(p1), line(p1.toUpperCase(), 2)], {}, 'productId'],
    ['an empty product id', [line('')], {}, 'productId'],
    ['a product id that is not a UUID', [line('p1')], {}, 'productId'],
    ['an empty payment method', [line(p1)], { paymentMethod: '  ' }, 'paymentMethod'],
    ['a card number as payment method', [line(p1)], { paymentMethod: '4242 4242 4242 4242' }, 'paymentMethod'],
    ['a payment method with spaces', [line(p1)], { paymentMethod: 'tok visa' }, 'paymentMethod'],
    ['a malformed shipping address id', [line(p1)], { shippingAddressId: 'home' }, 'shippingAddressId'],
  ])('with %s is refused as BAD_USER_INPUT', (_name, items, extra, field) => {
    expect(() => newOrder(input(items, extra), now)).toThrowError(refusal(field));
  });

  it('names the position of the offending line', () => {
    expect(() => newOrder(input([line(p1), line(p2, 0)]), now)).toThrowError(
      expect.objectContaining({ details: { field: 'quantity', position: 1 } }) as Error,
    );
  });

  it('recognises a replayed request, and a different one under the same key', () => {
    const { order, items } = newOrder(input([line(p1, 2), line(p2)]), now);
    expect(sameRequest(order, items, input([line(p1, 2), line(p2)]))).toBe(true);
    expect(sameRequest(order, items, input([line(p1.toUpperCase(), 2), line(p2)]))).toBe(true);
    expect(sameRequest(order, items, input([line(p1, 3), line(p2)]))).toBe(false);
    expect(sameRequest(order, items, input([line(p2), line(p1, 2)]))).toBe(false);
    expect(sameRequest(order, items, input([line(p1, 2), line(p2)], { paymentMethod: 'tok_decline' }))).toBe(false);
  });
});

describe('pricing from the reservation', () => {
  const { items } = newOrder(input([line(p1, 3), line(p2, 1)]), now);
  const priced = (productId: string, quantity: number, unitPriceAmount: number, currency = 'EUR') => ({
    productId,
    quantity,
    unitPriceAmount,
    currency,
  });

  it('prices every line and totals them, also when a product was reserved in two warehouses', () => {
    const result = priceItems(items, [priced(p1, 2, 1999), priced(p1, 1, 1999), priced(p2, 1, 1)]);
    expect(result.items.map((i) => i.unitPrice)).toEqual([eur(1999), eur(1)]);
    expect(result.total).toEqual(eur(5998));
    expect(result.items.map((i) => lineTotal(i))).toEqual([eur(5997), eur(1)]);
  });

  it.each([
    ['a line missing', [priced(p1, 3, 100)]],
    ['a line short', [priced(p1, 2, 100), priced(p2, 1, 1)]],
    ['two prices for one product', [priced(p1, 2, 100), priced(p1, 1, 101), priced(p2, 1, 1)]],
    ['two currencies', [priced(p1, 3, 100), priced(p2, 1, 1, 'USD')]],
    ['a negative price', [priced(p1, 3, -1), priced(p2, 1, 1)]],
    ['a total beyond a 32-bit integer', [priced(p1, 3, 1_000_000_000), priced(p2, 1, 1)]],
  ])('refuses a reservation with %s (a broken contract, never a mispriced order)', (_name, lines) => {
    expect(() => priceItems(items, lines)).toThrow();
  });

  it('an unpriced line has no total', () => {
    expect(lineTotal({ quantity: 4, unitPrice: null })).toBeNull();
  });
});

describe('status changes', () => {
  it('return the moved order and the history entry to record', () => {
    const { order } = newOrder(input([line(p1)]), now);
    const later = new Date(now.getTime() + 1000);
    const cancelled = changeStatus(order, 'CANCELLED', 'OUT_OF_STOCK', later);
    expect(cancelled.order).toMatchObject({ status: 'CANCELLED', cancelReason: 'OUT_OF_STOCK' });
    expect(cancelled.change).toEqual({ status: 'CANCELLED', reason: 'OUT_OF_STOCK', at: later });
    expect(order.status).toBe('PENDING');
  });

  it('a change the machine forbids leaves nothing to record', () => {
    const { order } = newOrder(input([line(p1)]), now);
    expect(() => changeStatus(order, 'CONFIRMED', null, now)).toThrowError(
      expect.objectContaining({ code: 'CONFLICT' }) as Error,
    );
  });
});

describe('the history at a status', () => {
  const at = (s: number) => new Date(now.getTime() + s * 1000);
  const history: StatusChange[] = [
    { status: 'PENDING', reason: null, at: at(0) },
    { status: 'RESERVED', reason: null, at: at(1) },
    { status: 'CANCELLED', reason: 'PAYMENT_DECLINED', at: at(2) },
  ];

  it('stops at the entry that made the order that status', () => {
    expect(historyUpTo(history, 'PENDING')).toEqual(history.slice(0, 1));
    expect(historyUpTo(history, 'RESERVED')).toEqual(history.slice(0, 2));
  });

  it('is the whole history at the status the order has now', () => {
    expect(historyUpTo(history, 'CANCELLED')).toEqual(history);
  });

  it('is the whole history when the status is not in it (nothing is hidden)', () => {
    expect(historyUpTo(history.slice(0, 2), 'PAID')).toEqual(history.slice(0, 2));
  });
});
