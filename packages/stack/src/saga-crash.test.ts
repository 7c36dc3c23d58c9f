/**
 * A consumer killed mid-saga. auth, orders, payments and inventory run as separate processes on the
 * real PostgreSQL and Redis; while inventory is holding `order.placed` messages it has taken but not
 * acknowledged, it gets SIGKILL. A new inventory process takes the dead one's pending messages over
 * after the visibility timeout. Every order must still end CONFIRMED or CANCELLED, none applied twice.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SubgraphName } from '#kit';
import { createTestDatabase, dropRedisNamespace, testRedisUrl, type TestDatabase } from '#kit/testing';
import { createInventoryDb, createInventoryStore } from '../../../subgraphs/inventory/src/adapters/prisma-inventory-store.ts';
import { createOrdersDb } from '../../../subgraphs/orders/src/adapters/order-store.ts';
import { createPaymentsDb } from '../../../subgraphs/payments/src/adapters/payment-store.ts';
import { createProcessGroup, type ServiceProcess } from './process-group.ts';
import { mintAccessTokens, placeOrder } from './test-stack.ts';

const names = ['auth', 'orders', 'payments', 'inventory'] as const satisfies readonly SubgraphName[];
const basePort = 24_000 + Math.floor(Math.random() * 400) * 10;
const port = (name: (typeof names)[number]) => basePort + names.indexOf(name);
const namespace = `test-crash-${randomUUID().slice(0, 8)}`;
const databases = {} as Record<(typeof names)[number], TestDatabase>;
const group = createProcessGroup({
  LOG_LEVEL: 'warn',
  REDIS_URL: testRedisUrl,
  EVENTS_NAMESPACE: namespace,
  // The visibility timeout: how long a dead consumer's messages wait before another takes them.
  EVENTS_CLAIM_IDLE_MS: '2000',
  AUTH_JWKS_URL: `http://127.0.0.1:${port('auth')}/.well-known/jwks.json`,
});

function start(name: (typeof names)[number]): ServiceProcess {
  return group.start(name, `subgraphs/${name}/src/main.ts`, {
    env: {
      [`${name.toUpperCase()}_PORT`]: String(port(name)),
      [`${name.toUpperCase()}_DATABASE_URL`]: databases[name].url,
    },
    healthUrl: `http://127.0.0.1:${port(name)}/health`,
  });
}

let inventory: ServiceProcess;

beforeAll(async () => {
  for (const name of names) databases[name] = await createTestDatabase(name);
  await start('auth').healthy();
  const others = (['orders', 'payments'] as const).map((name) => start(name));
  inventory = start('inventory');
  await Promise.all([...others, inventory].map((service) => service.healthy()));
}, 120_000);

afterAll(async () => {
  await group.stopAll(0); // SIGKILL what is left
  for (const name of names) await databases[name]?.drop();
  await dropRedisNamespace(namespace);
});

describe('a consumer killed in the middle of the saga', () => {
  it('SIGKILL with messages taken but not acknowledged: a new consumer finishes every order, nothing applied twice', async () => {
    const inventoryDb = createInventoryDb(databases.inventory.url, 2);
    const ordersDb = createOrdersDb(databases.orders.url, 2);
    const paymentsDb = createPaymentsDb(databases.payments.url, 2);
    const redis = new Redis(testRedisUrl);
    try {
      const productId = randomUUID();
      const warehouseId = randomUUID();
      const store = createInventoryStore(inventoryDb);
      await store.saveWarehouse({ id: warehouseId, code: 'CRASH-1', name: 'Crash test' });
      await store.saveProduct({ id: productId, sku: 'CRASH-LAMP', name: 'Lamp', priceAmount: 990, priceCurrency: 'EUR' });
      await store.setStock({ productId, warehouseId, onHand: 30 });
      const buyers = await mintAccessTokens(databases.auth.url, 40);

      // Watch inventory's share of order.placed: kill it the moment it holds unacknowledged messages.
      const stream = `${namespace}:events:order.placed`;
      const pending = async () => {
        const summary = (await redis.xpending(stream, 'inventory').catch(() => [0])) as [number, ...unknown[]];
        return Number(summary[0]);
      };
      let killedHolding = 0;
      const killer = (async () => {
        const deadline = Date.now() + 20_000;
        while (Date.now() < deadline) {
          if ((await pending()) > 0) {
            inventory.child.kill('SIGKILL');
            killedHolding = await pending();
            return;
          }
        }
      })();

      const placed = await Promise.all(
        buyers.map(async ({ token }) => (await placeOrder(`http://127.0.0.1:${port('orders')}`, token, { productId })).id),
      );
      await killer;
      await inventory.exited;
      expect(inventory.child.signalCode).toBe('SIGKILL');
      expect(killedHolding).toBeGreaterThan(0); // it died holding messages it had not acknowledged

      // A new inventory process (a new consumer in the group) takes over what the dead one held.
      await start('inventory').healthy();

      const deadline = Date.now() + 60_000;
      let orders: { id: string; status: string; cancelReason: string | null }[] = [];
      while (Date.now() < deadline) {
        orders = await ordersDb.order.findMany({
          where: { id: { in: placed } },
          select: { id: true, status: true, cancelReason: true },
        });
        if (orders.every((o) => o.status === 'CONFIRMED' || o.status === 'CANCELLED')) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const confirmed = orders.filter((o) => o.status === 'CONFIRMED');
      const cancelled = orders.filter((o) => o.status === 'CANCELLED');
      expect(orders).toHaveLength(40);
      expect(confirmed).toHaveLength(30);
      expect(cancelled.map((o) => o.cancelReason)).toEqual(Array(10).fill('OUT_OF_STOCK'));

      // None applied twice: one reservation answer per order, one history entry per state, one charge each.
      const answers = await inventoryDb.outboxEvent.findMany({
        where: { topic: { in: ['inventory.reserved', 'inventory.reservation_failed'] } },
        select: { payload: true },
      });
      expect(answers.map((a) => (a.payload as { orderId: string }).orderId).sort()).toEqual([...placed].sort());
      const history = await ordersDb.orderStatusChange.groupBy({
        by: ['orderId', 'status'],
        _count: true,
        where: { orderId: { in: placed } },
      });
      expect(history.every((h) => h._count === 1)).toBe(true);
      expect(await paymentsDb.payment.count({ where: { status: 'SUCCEEDED' } })).toBe(30);
      expect(await paymentsDb.paymentAttempt.count({ where: { outcome: 'SUCCEEDED' } })).toBe(30);
      expect(await inventoryDb.stockLevel.findMany({ where: { productId }, select: { onHand: true, reserved: true } })).toEqual([
        { onHand: 0, reserved: 0 },
      ]);
      expect(await pending()).toBe(0); // everything acknowledged in the end
    } finally {
      await redis.quit();
      await Promise.all([inventoryDb.$disconnect(), ordersDb.$disconnect(), paymentsDb.$disconnect()]);
    }
  }, 120_000);
});
