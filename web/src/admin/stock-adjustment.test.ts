import { describe, expect, it } from 'vitest';
import { parseStockAdjustment, type StockAdjustmentForm } from './stock-adjustment.ts';

const form = (over: Partial<StockAdjustmentForm> = {}): StockAdjustmentForm => ({
  productId: '9d0f0000-0000-4000-8000-000000000001',
  warehouseId: '7e1a0000-0000-4000-8000-000000000001',
  direction: 'add',
  units: '12',
  reason: 'Intake',
  ...over,
});

describe('the stock adjustment form', () => {
  it('adding units is a positive delta, removing a negative one', () => {
    expect(parseStockAdjustment(form())).toEqual({
      ok: true,
      input: {
        productId: '9d0f0000-0000-4000-8000-000000000001',
        warehouseId: '7e1a0000-0000-4000-8000-000000000001',
        delta: 12,
        reason: 'Intake',
      },
    });
    expect(parseStockAdjustment(form({ direction: 'remove', units: '3', reason: '  Damaged in transit ' }))).toMatchObject({
      ok: true,
      input: { delta: -3, reason: 'Damaged in transit' },
    });
  });

  it('the warehouse id is trimmed and must be a UUID', () => {
    expect(parseStockAdjustment(form({ warehouseId: ' 7E1A0000-0000-4000-8000-000000000002 ' }))).toMatchObject({
      ok: true,
      input: { warehouseId: '7E1A0000-0000-4000-8000-000000000002' },
    });
    expect(parseStockAdjustment(form({ warehouseId: 'LIS-1' }))).toMatchObject({ ok: false, field: 'warehouseId' });
  });

  it('units are a whole number of at least one: never zero, negative, fractional or beyond an Int', () => {
    for (const units of ['0', '-4', '1.5', '', 'ten', '2147483648', '1e3']) {
      expect(parseStockAdjustment(form({ units })), units).toMatchObject({ ok: false, field: 'units' });
    }
    expect(parseStockAdjustment(form({ units: '2147483647' }))).toMatchObject({ ok: true, input: { delta: 2147483647 } });
  });

  it('a product and a reason are required, the reason at most 200 characters', () => {
    expect(parseStockAdjustment(form({ productId: '' }))).toMatchObject({ ok: false, field: 'productId' });
    expect(parseStockAdjustment(form({ reason: '   ' }))).toMatchObject({ ok: false, field: 'reason' });
    expect(parseStockAdjustment(form({ reason: 'x'.repeat(201) }))).toMatchObject({ ok: false, field: 'reason' });
    expect(parseStockAdjustment(form({ reason: 'x'.repeat(200) })).ok).toBe(true);
  });
});
