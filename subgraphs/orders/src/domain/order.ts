/** Orders, their items and status history: the orders subgraph's own view of a purchase. Pure: no I/O. */
import { badInput } from '#kit';
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
  total: Money;
  createdAt: Date;
}

export interface OrderItem {
  orderId: string;
  /** 0-based place of the line in the order, as the buyer listed it. */
  position: number;
  productId: string;
  quantity: number;
  /** Price of one unit when the order was placed. */
  unitPrice: Money;
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

/** What a buyer asks for; prices come from inventory when the order is placed. */
export interface NewOrderInput {
  /** Chosen by the caller, so a retried placement can reuse it. */
  id: string;
  buyerId: string;
  items: { productId: string; quantity: number; unitPrice: Money }[];
}

/** The price of one line: quantity times unit price. */
export function lineTotal(item: Pick<OrderItem, 'quantity' | 'unitPrice'>): Money {
  return { amount: item.quantity * item.unitPrice.amount, currency: item.unitPrice.currency };
}

/**
 * A new `PENDING` order with its lines and first history entry. Refuses (BAD_USER_INPUT) an order
 * with no or more than 50 lines, a quantity outside 1..1000, a unit price that is not a whole
 * number of minor units >= 0, lines in different currencies, a product listed twice, or a total
 * too large to store.
 */
export function newOrder(input: NewOrderInput, now: Date): { order: Order; items: OrderItem[]; history: StatusChange[] } {
  const lines = input.items;
  if (lines.length === 0) throw badInput('An order needs at least one item', { field: 'items' });
  if (lines.length > maxOrderLines) throw badInput(`An order can have at most ${maxOrderLines} items`, { field: 'items' });

  const currency = lines[0]?.unitPrice.currency ?? '';
  if (!currencyCode.test(currency)) throw badInput('The currency must be an ISO 4217 code such as EUR', { field: 'currency' });

  const seen = new Set<string>();
  let total = 0;
  const items = lines.map((line, position): OrderItem => {
    if (!line.productId) throw badInput('Every item needs a product', { field: 'productId', position });
    if (seen.has(line.productId)) {
      throw badInput('A product may appear only once in an order; raise its quantity instead', { field: 'productId', position });
    }
    seen.add(line.productId);
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > maxLineQuantity) {
      throw badInput(`The quantity must be a whole number from 1 to ${maxLineQuantity}`, { field: 'quantity', position });
    }
    if (!Number.isInteger(line.unitPrice.amount) || line.unitPrice.amount < 0 || line.unitPrice.amount > maxAmount) {
      throw badInput('A unit price must be a whole number of minor units, 0 or more', { field: 'unitPrice', position });
    }
    if (line.unitPrice.currency !== currency) {
      throw badInput('All items of an order must be priced in one currency', { field: 'currency', position });
    }
    total += line.quantity * line.unitPrice.amount;
    return { orderId: input.id, position, productId: line.productId, quantity: line.quantity, unitPrice: { ...line.unitPrice } };
  });
  if (total > maxAmount) throw badInput('The order total is too large; split it into several orders', { field: 'items' });

  return {
    order: {
      id: input.id,
      buyerId: input.buyerId,
      status: 'PENDING',
      cancelReason: null,
      total: { amount: total, currency },
      createdAt: now,
    },
    items,
    history: [{ status: 'PENDING', reason: null, at: now }],
  };
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
