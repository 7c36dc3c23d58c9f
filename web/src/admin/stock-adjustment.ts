/**
 * The stock adjustment form's input as `adjustStock` takes it (`StockAdjustmentInput`): a product, a
 * warehouse id, a signed `delta` (never zero) and a reason. The form asks for a direction and a
 * number of units, which people get right more often than a sign; the API checks everything again
 * (stock cannot go below what is reserved).
 */

export interface StockAdjustmentForm {
  productId: string;
  warehouseId: string;
  direction: 'add' | 'remove';
  /** As typed. */
  units: string;
  reason: string;
}

export interface StockAdjustmentInput {
  productId: string;
  warehouseId: string;
  delta: number;
  reason: string;
}

export type ParsedAdjustment =
  { ok: true; input: StockAdjustmentInput } | { ok: false; field: keyof StockAdjustmentForm; message: string };

/** The largest GraphQL `Int`. */
const maxInt = 2 ** 31 - 1;
/** The inventory subgraph's limit on `reason`. */
export const maxReasonLength = 200;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The mutation's input, or the first field to correct and why. */
export function parseStockAdjustment(form: StockAdjustmentForm): ParsedAdjustment {
  if (!form.productId) return { ok: false, field: 'productId', message: 'Choose a product.' };
  const warehouseId = form.warehouseId.trim();
  if (!uuid.test(warehouseId)) {
    return {
      ok: false,
      field: 'warehouseId',
      message: 'Choose a warehouse.',
    };
  }
  const units = form.units.trim();
  if (!/^\d+$/.test(units) || Number(units) < 1 || Number(units) > maxInt) {
    return { ok: false, field: 'units', message: 'Enter a whole number of units, 1 or more.' };
  }
  const reason = form.reason.trim();
  if (reason === '') return { ok: false, field: 'reason', message: 'Say why the stock changes (intake, damage, count…).' };
  if ([...reason].length > maxReasonLength) {
    return { ok: false, field: 'reason', message: `Keep the reason under ${maxReasonLength} characters.` };
  }
  const delta = form.direction === 'remove' ? -Number(units) : Number(units);
  return { ok: true, input: { productId: form.productId, warehouseId, delta, reason } };
}
