/** Stock held for an order: what was asked, what was held where and at what price, and how it ended. */

/** One line of an order to hold stock for. */
export interface ReservationLine {
  productId: string;
  quantity: number;
}

/** A line as held: from which warehouse, at the price of the moment. */
export interface ReservedItem extends ReservationLine {
  warehouseId: string;
  unitPriceAmount: number;
  currency: string;
}

export type ReservationStatus = 'HELD' | 'COMMITTED' | 'RELEASED' | 'EXPIRED';

/** A reservation as it stands, or OUT_OF_STOCK (recorded as RELEASED with no items). */
export type ReserveOutcome =
  | { status: 'HELD' | 'COMMITTED'; items: ReservedItem[]; expiresAt: Date }
  | { status: 'RELEASED' | 'EXPIRED'; items: ReservedItem[] }
  | { status: 'OUT_OF_STOCK'; productId: string };
