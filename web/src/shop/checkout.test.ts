import { describe, expect, it } from 'vitest';
import { cartReducer, cartTotals, type CartLine } from './cart-state.ts';
import { checkoutFingerprint, createAttemptKeys, newIdempotencyKey } from './checkout.ts';

const line = (productId: string, quantity = 1): CartLine => ({
  productId,
  name: productId,
  unitAmount: 1000,
  currency: 'EUR',
  quantity,
});

describe('checkout attempts', () => {
  it('a double click sends the same idempotency key', () => {
    const keys = createAttemptKeys();
    const fingerprint = checkoutFingerprint([line('p1', 2)], 'tok_visa', undefined);
    expect(keys.keyFor(fingerprint)).toBe(keys.keyFor(fingerprint));
  });

  it('another cart, card or address is another attempt; so is the next order after one was placed', () => {
    const keys = createAttemptKeys();
    const first = keys.keyFor(checkoutFingerprint([line('p1')], 'tok_visa', 'a1'));
    const moreUnits = keys.keyFor(checkoutFingerprint([line('p1', 2)], 'tok_visa', 'a1'));
    const otherCard = keys.keyFor(checkoutFingerprint([line('p1', 2)], 'tok_decline', 'a1'));
    const otherAddress = keys.keyFor(checkoutFingerprint([line('p1', 2)], 'tok_decline', 'a2'));
    expect(new Set([first, moreUnits, otherCard, otherAddress]).size).toBe(4);
    keys.renew();
    expect(keys.keyFor(checkoutFingerprint([line('p1', 2)], 'tok_decline', 'a2'))).not.toBe(otherAddress);
  });

  it('keys are random UUIDs', () => {
    const key = newIdempotencyKey();
    expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newIdempotencyKey()).not.toBe(key);
  });
});

describe('the cart', () => {
  it('adds units to a line already there, within 1..1000, and drops a line set to zero', () => {
    let lines = cartReducer([], { type: 'add', line: line('p1'), quantity: 2 });
    lines = cartReducer(lines, { type: 'add', line: line('p1'), quantity: 999 });
    expect(lines).toEqual([{ ...line('p1'), quantity: 1000 }]);
    lines = cartReducer(lines, { type: 'set-quantity', productId: 'p1', quantity: 0 });
    expect(lines).toEqual([]);
  });

  it('totals per currency', () => {
    const lines = [line('p1', 2), { ...line('p2', 1), currency: 'USD', unitAmount: 250 }];
    expect(cartTotals(lines)).toEqual([
      { currency: 'EUR', amount: 2000 },
      { currency: 'USD', amount: 250 },
    ]);
  });
});
