/** Orders, their items and status history: the orders subgraph's own view of a purchase. Pure: no I/O. */
import { badInput } from '#kit/errors';
import { InvalidMessage } from '#kit/failures';
import { isUuid } from '#kit/ids';
import { transition, type CancelReason, type OrderStatus } from './order-status.ts';

export type { CancelReason, OrderStatus };

/** An amount in integer minor units (cents) of an ISO 4217 currency; never a float. */
export interface Money {
  amount: number;
  currency: string;
}

export interface Order {
  id: string;
  buyerId: string;
  status: OrderStatus;
  /** Set only when `status` is `CANCELLED`. */
  cancelReason: CancelReason | null;
  /** Null until inventory priced the order (it answers the reservation with prices). */
  total: Money | null;
  /** The card token or saved payment method chosen at placement; null on orders imported without one. */
  paymentMethod: string | null;
  createdAt: Date;
}

export interface OrderItem {
  orderId: string;
  /** 0-based place of the line in the order, as the buyer listed it. */
  position: number;
  productId: string;
  quantity: number;
  /** Price of one unit when stock was reserved; null until then. */
  unitPrice: Money | null;
}

export interface StatusChange {
  status: OrderStatus;
  reason: CancelReason | null;
  at: Date;
}

/** A user as the orders subgraph knows one: only the key (the users subgraph owns the profile). */
export interface UserRef {
  id: string;
}

export const maxOrderLines = 50;
export const maxLineQuantity = 1000;
/** Amounts are stored in a 32-bit INTEGER column and served as a GraphQL Int. */
const maxAmount = 2_147_483_647;
const currencyCode = /^[A-Z]{3}$/;
/** Processor tokens and saved-method ids look like `tok_visa` or `pm_1a2b`: never card numbers. */
const paymentMethodPattern = /^[A-Za-z][A-Za-z0-9_-]{2,99}$/;
const cardNumberLike = /^\D*(?:\d\D*){12,19}$/;

/** What a buyer asks for: products and quantities. Prices come from inventory when it reserves the stock. */
export interface NewOrderInput {
  /** Chosen by the caller, so a retried placement can reuse it. */
  id: string;
  buyerId: string;
  items: { productId: string; quantity: number }[];
  paymentMethod: string;
  shippingAddressId?: string | null;
}

/** The price of one line: quantity times unit price; null while the line is unpriced. */
export function lineTotal(item: Pick<OrderItem, 'quantity' | 'unitPrice'>): Money | null {
  return item.unitPrice && { amount: item.quantity * item.unitPrice.amount, currency: item.unitPrice.currency };
}

/**
 * The history as it stood when the order reached `status`: the entries up to the one that made it
 * `status`. Statuses only move forward, so each appears once; for an order read now that is its
 * whole history, for a live update it leaves out moves made since (which later updates carry).
 */
export function historyUpTo(history: readonly StatusChange[], status: OrderStatus): StatusChange[] {
  const reached = history.findIndex((change) => change.status === status);
  return reached === -1 ? [...history] : history.slice(0, reached + 1);
}

/**
 * A new `PENDING`, unpriced order with its lines and first history entry. Refuses (BAD_USER_INPUT)
 * an order with no or more than 50 lines, a quantity outside 1..1000, a product id that is not a
 * UUID, a product listed twice, a payment method that is not a processor token (card numbers are
 * refused outright) or a malformed shipping address id.
 */
export function newOrder(input: NewOrderInput, now: Date): { order: Order; items: OrderItem[]; history: StatusChange[] } {
  const lines = input.items;
  if (lines.length === 0) throw badInput('An order needs at least one item', { field: 'items' });
  if (lines.length > maxOrderLines) throw badInput(`An order can have at most ${maxOrderLines} items`, { field: 'items' });
  const method = input.paymentMethod.trim();
  if (cardNumberLike.test(method)) {
    throw badInput('Never send card numbers: pay with a payment method token such as tok_visa', { field: 'paymentMethod' });
  }
  if (!paymentMethodPattern.test(method)) {
    throw badInput('The payment method must be a payment method token such as tok_visa', { field: 'paymentMethod' });
  }
  if (input.shippingAddressId != null && !isUuid(input.shippingAddressId)) {
    throw badInput('The shipping address id is not valid', { field: 'shippingAddressId' });
  }

  const seen = new Set<string>();
  const items = lines.map((line, position): OrderItem => {
    if (!isUuid(line.productId)) throw badInput('Every item needs a valid product id', { field: 'productId', position });
    const productId = line.productId.toLowerCase();
    if (seen.has(productId)) {
      throw badInput('A product may appear only once in an order; raise its quantity instead', { field: 'productId', position });
    }
    seen.add(productId);
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > maxLineQuantity) {
      throw badInput(`The quantity must be a whole number from 1 to ${maxLineQuantity}`, { field: 'quantity', position });
    }
    return { orderId: input.id, position, productId, quantity: line.quantity, unitPrice: null };
  });

  return {
    order: {
      id: input.id,
      buyerId: input.buyerId,
      status: 'PENDING',
      cancelReason: null,
      total: null,
      paymentMethod: method,
      createdAt: now,
    },
    items,
    history: [{ status: 'PENDING', reason: null, at: now }],
  };
}

/** True when `items` asks for the same products and quantities, in the same order, as `input` (a replayed placement). */
export function sameRequest(
  order: Pick<Order, 'paymentMethod'>,
  items: readonly Pick<OrderItem, 'productId' | 'quantity'>[],
  input: Pick<NewOrderInput, 'items' | 'paymentMethod'>,
): boolean {
  return (
    order.paymentMethod === input.paymentMethod.trim() &&
    items.length === input.items.length &&
    items.every(
      (item, i) => item.productId === input.items[i]?.productId.toLowerCase() && item.quantity === input.items[i]?.quantity,
    )
  );
}

/** One priced line as inventory reserved it (a product may be split across warehouses). */
export interface PricedLine {
  productId: string;
  quantity: number;
  unitPriceAmount: number;
  currency: string;
}

/**
 * Why a reservation, though well formed, prices an order that cannot be paid — the buyer's answer,
 * not an operator's: it totals nothing (zero-priced products), it mixes currencies (one charge has
 * one currency), or its total is past what a charge (and the 32-bit amount column) can carry.
 * Null when it can be paid.
 */
export function unpayableReason(reserved: readonly PricedLine[]): CancelReason | null {
  const currencies = new Set(reserved.map((line) => line.currency));
  if (currencies.size > 1) return 'MIXED_CURRENCIES';
  const total = reserved.reduce((sum, line) => sum + line.quantity * line.unitPriceAmount, 0);
  if (total > maxAmount) return 'TOTAL_TOO_LARGE';
  if (total === 0) return 'ZERO_TOTAL';
  return null;
}

/**
 * The order's items priced from what inventory reserved, and the total. Inventory reserves every
 * line at one price in one currency; anything else — a line missing or short, two prices, a
 * malformed currency or price — is a broken contract and throws {@link InvalidMessage} (the event is
 * dead-lettered for an operator at once), never silently mispriced. What the buyer must hear about
 * is {@link unpayableReason}'s, checked first.
 */
export function priceItems(items: readonly OrderItem[], reserved: readonly PricedLine[]): { items: OrderItem[]; total: Money } {
  const currency = reserved[0]?.currency ?? '';
  if (!currencyCode.test(currency)) throw new InvalidMessage(`reservation priced in "${currency}", not an ISO 4217 code`);
  const byProduct = new Map<string, { quantity: number; unitPriceAmount: number }>();
  for (const line of reserved) {
    if (line.currency !== currency) throw new InvalidMessage('reservation priced in two currencies');
    if (!Number.isInteger(line.unitPriceAmount) || line.unitPriceAmount < 0) {
      throw new InvalidMessage('reservation has an invalid price');
    }
    const seen = byProduct.get(line.productId);
    if (seen && seen.unitPriceAmount !== line.unitPriceAmount) {
      throw new InvalidMessage(`product ${line.productId} reserved at two prices`);
    }
    byProduct.set(line.productId, { quantity: (seen?.quantity ?? 0) + line.quantity, unitPriceAmount: line.unitPriceAmount });
  }
  let total = 0;
  const priced = items.map((item) => {
    const line = byProduct.get(item.productId);
    if (!line || line.quantity !== item.quantity) {
      throw new InvalidMessage(`product ${item.productId} was not reserved as ordered`);
    }
    total += item.quantity * line.unitPriceAmount;
    return { ...item, unitPrice: { amount: line.unitPriceAmount, currency } };
  });
  if (total > maxAmount) throw new InvalidMessage(`order total ${total} exceeds what can be stored`);
  return { items: priced, total: { amount: total, currency } };
}

/** Moves an order along the state machine (see `transition`); returns it and the history entry to record. */
export function changeStatus(
  order: Order,
  to: OrderStatus,
  reason: CancelReason | null,
  at: Date,
): { order: Order; change: StatusChange } {
  const next = transition(order.status, to, reason);
  return { order: { ...order, ...next }, change: { status: next.status, reason: next.cancelReason, at } };
}
