/** What the orders use cases and resolvers need of the orders database (implemented by adapters/order-store.ts). */
import type { ChangeEffects, OutboxEvent } from '#kit/outbox';
import type { Cursor } from '#kit/pagination';
import type { CancelReason, Order, OrderItem, OrderStatus, StatusChange } from './domain/order.ts';
import type { SagaStep } from './domain/saga.ts';

/** A new order as `placeOrder` writes it. */
export interface Placement {
  order: Order;
  items: OrderItem[];
  history: StatusChange[];
  idempotencyKey: string;
  shippingAddressId: string | null;
  /** Written with the order: `order.placed` and its first `order.updated`. */
  events: OutboxEvent[];
}

/** A history entry with the order it belongs to, so a loader can group entries by order. */
export type OrderStatusChange = StatusChange & { orderId: string };

/** An order as seeded (demo data, admin tooling): the total is computed from the items. */
export interface OrderSeed {
  id: string;
  buyerId: string;
  status: OrderStatus;
  cancelReason?: CancelReason | null;
  currency: string;
  createdAt?: Date;
  items: { productId: string; quantity: number; unitPriceAmount: number }[];
  history: { status: OrderStatus; reason?: CancelReason | null; at: Date }[];
}

/** Orders with their items and history, the saga's writes, the address-book copy and the replay audit. */
export interface OrderStore {
  /**
   * Writes a new order with its items, first history entry and events, atomically — unless the
   * buyer already placed an order under `idempotencyKey`: then nothing is written and that order
   * (with its items, to compare the requests) comes back with `created: false`.
   */
  place(placement: Placement): Promise<{ order: Order; items: OrderItem[]; created: boolean }>;

  /**
   * Applies one saga step to an order under its row lock: `decide` sees the order as it is now and
   * returns the step, written with `effects` in one transaction. Null for a redelivered
   * `effects.handled` (nothing written), and with `unchangedSince` (the watchdog) for an order
   * updated since then; NOT_FOUND when the order does not exist.
   */
  applyStep(
    orderId: string,
    decide: (order: Order, items: OrderItem[]) => SagaStep,
    effects: ChangeEffects<SagaStep>,
    options?: { unchangedSince?: Date },
  ): Promise<SagaStep | null>;

  /** Ids of orders in a status the saga has not finished (PENDING, RESERVED, PAID) and unchanged since `before`, oldest first. */
  unfinishedSince(before: Date, limit: number): Promise<string[]>;

  /** True when `addressId` is in `userId`'s address book (as the users subgraph last announced it). */
  isAddressOf(userId: string, addressId: string): Promise<boolean>;

  /**
   * Replaces `userId`'s address book with `addressIds` at `version`, unless the book already is at
   * that version or a newer one (a redelivered or late event): false then.
   */
  replaceAddressBook(userId: string, addressIds: readonly string[], version: number): Promise<boolean>;

  /** Records that `actorId` replays a dead letter (the audit trail of replays); resolves to the record's id. */
  recordReplay(replay: { deadLetterId: string; eventId: string; topic: string; group: string; actorId: string }): Promise<string>;

  /** Takes back the record of a replay that did not happen. */
  forgetReplay(id: string): Promise<void>;

  byIds(ids: readonly string[]): Promise<Order[]>;

  /** Up to `limit` orders of a buyer after `after`, newest first (ask for one more than a page). */
  byBuyer(buyerId: string, limit: number, after: Cursor | null): Promise<Order[]>;

  /** The items of many orders in one query, each order's in position order. */
  itemsOf(orderIds: readonly string[]): Promise<OrderItem[]>;

  /** The status history of many orders in one query, each order's oldest first. */
  historyOf(orderIds: readonly string[]): Promise<OrderStatusChange[]>;

  /** Inserts or replaces an order with its items and history, by id (idempotent). */
  saveOrder(seed: OrderSeed): Promise<void>;
}
