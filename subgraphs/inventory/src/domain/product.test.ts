import { describe, expect, it } from 'vitest';
import type { DomainError } from '#kit/errors';
import { availableUnits, newProduct, price, stockCount } from './product.ts';

const badInput = (field: string) => expect.objectContaining({ code: 'BAD_USER_INPUT', details: { field } }) as DomainError;
const valid = { sku: 'MUG-001', name: 'Mug', price: { amount: 1299, currency: 'EUR' } };

describe('product rules', () => {
  it('a new product trims and upper-cases its SKU, trims its name and is active by default', () => {
    expect(newProduct({ ...valid, sku: '  mug-001 ', name: '  Blue mug ' })).toEqual({
      sku: 'MUG-001',
      name: 'Blue mug',
      description: '',
      price: { amount: 1299, currency: 'EUR' },
      active: true,
    });
  });

  it('an inactive product stays inactive', () => {
    expect(newProduct({ ...valid, active: false }).active).toBe(false);
  });

  it.each([['AB'], ['X'.repeat(33)], ['MUG 001'], ['MUG_001'], ['MÜG-1'], ['']])('the SKU %j is refused', (sku) => {
    expect(() => newProduct({ ...valid, sku })).toThrowError(badInput('sku'));
  });

  it.each([['ABC'], ['X'.repeat(32)], ['0-0']])('the SKU %j is accepted', (sku) => {
    expect(newProduct({ ...valid, sku }).sku).toBe(sku);
  });

  it.each([[''], ['   '], ['x'.repeat(121)], ['Mug\u202E'], ['Mug\nMug']])('the name %j is refused', (name) => {
    expect(() => newProduct({ ...valid, name })).toThrowError(badInput('name'));
  });

  it('a name of exactly 120 characters is accepted', () => {
    expect(newProduct({ ...valid, name: 'n'.repeat(120) }).name).toHaveLength(120);
  });

  it('a description longer than 2000 characters is refused', () => {
    expect(() => newProduct({ ...valid, description: 'd'.repeat(2001) })).toThrowError(badInput('description'));
  });

  it.each([[-1], [12.5], [Number.NaN], [2 ** 31]])('the price amount %d is refused', (amount) => {
    expect(() => price(amount, 'EUR')).toThrowError(badInput('price.amount'));
  });

  it('a price of zero (a free product) is accepted', () => {
    expect(price(0, 'USD')).toEqual({ amount: 0, currency: 'USD' });
  });

  it.each([['eur'], ['EU'], ['EURO'], ['€']])('the currency %j is refused', (currency) => {
    expect(() => newProduct({ ...valid, price: { amount: 100, currency } })).toThrowError(badInput('price.currency'));
  });
});

describe('availability', () => {
  it('is the sum over warehouses of units on hand minus units reserved', () => {
    expect(
      availableUnits([
        { onHand: 10, reserved: 3 },
        { onHand: 5, reserved: 5 },
        { onHand: 2, reserved: 0 },
      ]),
    ).toBe(9);
  });

  it('is zero for a product stocked nowhere', () => {
    expect(availableUnits([])).toBe(0);
  });

  it('an over-reserved warehouse counts as zero instead of hiding the stock of the others', () => {
    expect(
      availableUnits([
        { onHand: 1, reserved: 4 },
        { onHand: 6, reserved: 1 },
      ]),
    ).toBe(5);
  });

  it('a stock count reserves no more than is on hand', () => {
    expect(stockCount(4, 4)).toEqual({ onHand: 4, reserved: 4 });
    expect(() => stockCount(4, 5)).toThrowError(badInput('reserved'));
    expect(() => stockCount(-1)).toThrowError(badInput('onHand'));
  });
});
