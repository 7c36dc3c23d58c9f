/**
 * What the inventory use cases and resolvers need of the inventory database: the catalogue
 * (adapters/prisma-inventory-store.ts) and reservations (adapters/reservation-store.ts).
 */
import type { ChangeEffects, OutboxEvent } from '#kit/outbox';
import type { Cursor } from '#kit/pagination';
import type { Product, Warehouse } from './domain/product.ts';
import type { ReservationLine, ReserveOutcome } from './domain/reservation.ts';

/** What seeding passes to {@link InventoryStore.saveProduct}. */
export interface ProductSeed {
  id: string;
  sku: string;
  name: string;
  description?: string;
  priceAmount: number;
  priceCurrency: string;
  active?: boolean;
  /** Defaults to now on creation; never changed by a later save. */
  createdAt?: Date;
}

/** Products with their availability, and idempotent `save`/`set` methods for seeding. */
export interface InventoryStore {
  /** Products (active or not) with their availability, in no particular order. */
  byIds(ids: readonly string[]): Promise<Product[]>;
  /** Up to `limit` active products after `after`, newest first (ties broken by id). */
  activePage(after: Cursor | null, limit: number): Promise<Product[]>;
  /** Every warehouse, by code. */
  warehouses(): Promise<Warehouse[]>;
  /** Inserts or renames a warehouse (demo data, admin tooling). */
  saveWarehouse(warehouse: Warehouse): Promise<void>;
  /** Inserts or replaces a product after validating it (demo data, admin tooling). */
  saveProduct(seed: ProductSeed): Promise<void>;
  /**
   * Sets a warehouse's units on hand of a product (demo data, stock intake). `reserved` is left as
   * it is unless given; the database refuses on-hand below what is reserved.
   */
  setStock(level: { productId: string; warehouseId: string; onHand: number; reserved?: number }): Promise<void>;
}

/** A settlement of a reservation: the reservation now (null: none), and whether this call moved it. */
export interface Settled {
  changed: boolean;
  outcome: ReserveOutcome | null;
}

/** A change of stock on hand, with who made it and why (the audit trail). */
export interface StockAdjustment {
  productId: string;
  warehouseId: string;
  delta: number;
  reason: string;
  actorId: string;
}

/** Reservations and stock movements; every event-driven change writes its `effects` in its transaction. */
export interface ReservationStore {
  /** The order's reservation as it stands (null: none). */
  current(orderId: string): Promise<ReserveOutcome | null>;

  /**
   * Holds stock for every line of an order until `expiresAt`, all or nothing, at the current
   * prices. Idempotent per order: a repeat returns the first outcome (an out-of-stock order is
   * recorded as RELEASED with no items, so a retry after stock frees up cannot flip it).
   */
  reserve(
    orderId: string,
    lines: ReservationLine[],
    expiresAt: Date,
    effects?: ChangeEffects<ReserveOutcome>,
  ): Promise<ReserveOutcome>;

  /** Turns a held reservation into a decrement of stock on hand (the order was paid). */
  commit(orderId: string, effects?: ChangeEffects<Settled>): Promise<Settled>;

  /** Gives a held (or committed) reservation's stock back (the order was cancelled). */
  release(orderId: string, effects?: ChangeEffects<Settled>): Promise<Settled>;

  /** Releases up to `limit` HELD reservations past their expiry, each `announce`d; returns the order ids expired. */
  expireDue(now: Date, limit: number, announce?: (orderId: string) => OutboxEvent): Promise<string[]>;

  /**
   * Changes stock on hand by `delta` (intake, loss, count correction) with an audit row. The first
   * intake of a product into a warehouse creates its stock level. BAD_USER_INPUT when it would leave
   * less on hand than is reserved, or remove stock that is not there; NOT_FOUND for an unknown
   * product or warehouse.
   */
  adjustStock(change: StockAdjustment): Promise<{ onHand: number; reserved: number }>;
}
