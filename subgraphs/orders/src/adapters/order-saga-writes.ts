/**
 * The order saga's writes in the orders database: placing an order and applying a saga step. Each
 * changes the order and writes its effects (outbox events, processed-event record) in one plain SQL
 * statement — they are the hot path of every order.
 */
import { isUniqueViolation, type SqlClient, type SqlRunner } from '#kit/database';
import { notFound } from '#kit/errors';
import { effectsSql, type ChangeEffects } from '#kit/outbox';
import type { Order, OrderItem } from '../domain/order.ts';
import type { SagaStep } from '../domain/saga.ts';
import type { OrderStore, Placement } from '../ports.ts';
import { orderWithItems } from './order-rows.ts';

/** `place` and `applyStep` on `sql`; `eventsWritten` is called after a commit that wrote outbox events. */
export function orderSagaWrites(sql: SqlClient, eventsWritten: () => void): Pick<OrderStore, 'place' | 'applyStep'> {
  return {
    /**
     * Writes a new order, its items, first history entry and events in one statement (atomic on its
     * own) — unless the buyer already placed an order under `idempotencyKey`: then nothing is
     * written and that order (with its items, to compare the requests) comes back with
     * `created: false`. Concurrent placements under one key serialize on the unique (buyer, key) index.
     */
    async place(placement: Placement): Promise<{ order: Order; items: OrderItem[]; created: boolean }> {
      const { order, items, history, events } = placement;
      // The events only with the order: a placement under a used key writes nothing.
      const effects = effectsSql({ announce: events }, undefined, {
        announceIf: 'o',
        params: [
          order.id,
          order.buyerId,
          placement.idempotencyKey,
          order.paymentMethod,
          placement.shippingAddressId,
          order.createdAt,
          items.map((i) => i.position),
          items.map((i) => i.productId),
          items.map((i) => i.quantity),
          history.map((c) => c.status),
          history.map((c) => c.reason),
          history.map((c) => c.at),
        ],
      });
      const [{ created }] = (await sql.$queryRawUnsafe<{ created: number }[]>(
        `WITH o AS (
           INSERT INTO orders (id, buyer_id, status, idempotency_key, payment_method, shipping_address_id, created_at, updated_at)
           VALUES ($1::uuid, $2::uuid, 'PENDING', $3, $4, $5::uuid, $6, $6)
           ON CONFLICT (buyer_id, idempotency_key) DO NOTHING RETURNING id),
         i AS (
           INSERT INTO order_items (id, order_id, position, product_id, quantity)
           SELECT gen_random_uuid(), o.id, t.p, t.pr, t.q FROM o, unnest($7::int[], $8::uuid[], $9::int[]) AS t(p, pr, q)),
         h AS (
           INSERT INTO order_status_changes (id, order_id, status, reason, at)
           SELECT gen_random_uuid(), o.id, t.s::"OrderStatus", t.r::"CancelReason", t.a
             FROM o, unnest($10::text[], $11::text[], $12::timestamptz[]) AS t(s, r, a))${effects.ctes}
         SELECT count(*)::int AS created FROM o`,
        ...effects.params,
      )) as [{ created: number }];
      if (created === 1) {
        eventsWritten();
        return { order, items, created: true };
      }
      const [existing] = await sql.$queryRawUnsafe<{ id: string }[]>(
        `SELECT id::text AS id FROM orders WHERE buyer_id = $1::uuid AND idempotency_key = $2`,
        order.buyerId,
        placement.idempotencyKey,
      );
      const found = existing && (await orderWithItems(sql, existing.id, false));
      if (!found) throw new Error('idempotent placement found no order under its key');
      return { ...found, created: false };
    },

    /**
     * Applies one saga step to an order under a row lock, in one transaction of two statements:
     * `decide` sees the order as it is now and returns the step; its moves, prices and `effects` (the
     * events `announce` makes of the step, and the processed-event record of `handled`) are written
     * together by one statement. A redelivered event fails that record's primary key, rolls the
     * transaction back and returns null. NOT_FOUND when the order does not exist. With
     * `unchangedSince` (the watchdog), an order updated since then is left alone: null.
     */
    async applyStep(
      orderId: string,
      decide: (order: Order, items: OrderItem[]) => SagaStep,
      effects: ChangeEffects<SagaStep>,
      options: { unchangedSince?: Date } = {},
    ): Promise<SagaStep | null> {
      let step: SagaStep | null;
      try {
        step = await sql.$transaction(async (tx) => {
          const current = await orderWithItems(tx, orderId, true, options.unchangedSince);
          if (!current) {
            if (options.unchangedSince) return null;
            throw notFound('The order');
          }
          const decided = decide(current.order, current.items);
          await writeStep(tx, orderId, decided, effects);
          return decided;
        });
      } catch (error) {
        // The processed-event record exists: this event was applied before (a redelivery).
        if (effects.handled && isUniqueViolation(error, 'processed_events')) return null;
        throw error;
      }
      if (step && (step.moves.length > 0 || step.commands.length > 0)) eventsWritten();
      return step;
    },
  };
}

/** One statement: the step's prices, status, history and `effects` (a redelivered `effects.handled` fails it). */
async function writeStep(tx: SqlRunner, orderId: string, step: SagaStep, effects: ChangeEffects<SagaStep>): Promise<void> {
  const changed = step.moves.length > 0 || step.pricedItems !== undefined;
  const { order } = step;
  const written = effectsSql(effects, step, {
    params: [
      orderId,
      (step.pricedItems ?? []).map((i) => i.position),
      (step.pricedItems ?? []).map((i) => i.unitPrice!.amount),
      order.status,
      order.cancelReason,
      order.total?.amount ?? null,
      order.total?.currency ?? null,
      changed,
      step.moves.map((m) => m.status),
      step.moves.map((m) => m.reason),
      step.moves.map((m) => m.at),
    ],
  });
  await tx.$executeRawUnsafe(
    `WITH i AS (
       UPDATE order_items i SET unit_price_amount = t.price
         FROM unnest($2::int[], $3::int[]) AS t(position, price)
        WHERE i.order_id = $1::uuid AND i.position = t.position),
     o AS (
       UPDATE orders SET status = $4::"OrderStatus", cancel_reason = $5::"CancelReason",
              total_amount = $6, currency = $7, updated_at = now()
        WHERE id = $1::uuid AND $8::boolean),
     h AS (
       INSERT INTO order_status_changes (id, order_id, status, reason, at)
       SELECT gen_random_uuid(), $1::uuid, t.s::"OrderStatus", t.r::"CancelReason", t.a
         FROM unnest($9::text[], $10::text[], $11::timestamptz[]) AS t(s, r, a))${written.ctes}
     SELECT 1`,
    ...written.params,
  );
}
