/** Products the platform sells and how many units of each can be ordered now. Pure: no I/O. */
import { badInput } from '#kit/errors';
import { visibleText } from '#kit/text';

/** An amount in integer minor units (1999 with `EUR` is €19.99) of an ISO 4217 currency. */
export interface Money {
  amount: number;
  currency: string;
}

/** A product as the inventory subgraph serves it (the GraphQL `Product` mapper). */
export interface Product {
  id: string;
  sku: string;
  name: string;
  description: string;
  price: Money;
  active: boolean;
  createdAt: Date;
  /** Units that can be ordered now: on hand minus reserved, over all warehouses. */
  available: number;
}

/** One warehouse's count of a product. */
export interface StockCount {
  onHand: number;
  reserved: number;
}

/** The fields a product is created or replaced with, validated and normalised. */
export interface NewProduct {
  sku: string;
  name: string;
  description: string;
  price: Money;
  active: boolean;
}

const skuPattern = /^[A-Z0-9-]{3,32}$/;
const currencyPattern = /^[A-Z]{3}$/;
// Prices are stored in a Postgres INTEGER and served as a GraphQL Int: both are 32-bit signed.
const maxAmount = 2_147_483_647;
const maxDescriptionLength = 2000;

/**
 * Units orderable now over all warehouses. The database already forbids `reserved > onHand`; the
 * clamp keeps one inconsistent row from hiding the stock of the other warehouses.
 */
export function availableUnits(levels: readonly StockCount[]): number {
  return levels.reduce((sum, level) => sum + Math.max(0, level.onHand - level.reserved), 0);
}

/** A price: a non-negative integer amount of minor units in an upper-case ISO 4217 currency. */
export function price(amount: number, currency: string): Money {
  if (!Number.isInteger(amount) || amount < 0 || amount > maxAmount) {
    throw badInput('price.amount must be a whole number of minor units between 0 and 2147483647', { field: 'price.amount' });
  }
  if (!currencyPattern.test(currency)) {
    throw badInput('price.currency must be a three-letter ISO 4217 code such as EUR', { field: 'price.currency' });
  }
  return { amount, currency };
}

/**
 * Validates a product before it is stored: the SKU is trimmed and upper-cased and must be 3..32 of
 * A-Z, 0-9 and '-'; the name 1..120 visible characters; the price as in {@link price}.
 */
export function newProduct(input: {
  sku: string;
  name: string;
  description?: string;
  price: Money;
  active?: boolean;
}): NewProduct {
  const sku = input.sku.trim().toUpperCase();
  if (!skuPattern.test(sku)) {
    throw badInput('sku must be 3 to 32 characters of A-Z, 0-9 and "-"', { field: 'sku' });
  }
  const name = visibleText(input.name, { field: 'name', max: 120 });
  // Descriptions may span lines, so only their length is checked.
  const description = (input.description ?? '').normalize('NFC').trim();
  if (description.length > maxDescriptionLength) {
    throw badInput(`description must be at most ${maxDescriptionLength} characters`, { field: 'description' });
  }
  return { sku, name, description, price: price(input.price.amount, input.price.currency), active: input.active ?? true };
}

/** A warehouse's stock of a product: whole units, and never more reserved than on hand. */
export function stockCount(onHand: number, reserved = 0): StockCount {
  if (!Number.isInteger(onHand) || onHand < 0 || onHand > maxAmount) {
    throw badInput('onHand must be a whole number of units, 0 or more', { field: 'onHand' });
  }
  if (!Number.isInteger(reserved) || reserved < 0 || reserved > onHand) {
    throw badInput('reserved must be a whole number of units between 0 and onHand', { field: 'reserved' });
  }
  return { onHand, reserved };
}

/** A product's stock in one warehouse, as an adjustment leaves it. */
/** A place that holds stock. */
export interface Warehouse {
  id: string;
  /** Short unique code, e.g. `LIS-1`. */
  code: string;
  name: string;
}

export interface StockLevelView {
  productId: string;
  warehouseId: string;
  onHand: number;
  reserved: number;
}
