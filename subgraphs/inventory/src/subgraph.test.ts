import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessEventBus } from '#kit/events';
import { createLogger } from '#kit/logger';
import { createInProcessPubSub } from '#kit/pubsub';
import type { RunningSubgraph } from '#kit/subgraph-server';
import { createTestDatabase, postGraphQL, testSubgraphConfig, type TestDatabase } from '#kit/testing';
import { createInventoryDb, createInventoryStore, type InventoryDb } from './adapters/prisma-inventory-store.ts';
import { startInventorySubgraph } from './subgraph.ts';

let database: TestDatabase;
let seedDb: InventoryDb;
let subgraph: RunningSubgraph;
const bus = createInProcessEventBus(createLogger('test', 'silent'));

beforeAll(async () => {
  database = await createTestDatabase('inventory');
  seedDb = createInventoryDb(database.url, 1);
  subgraph = await startInventorySubgraph(testSubgraphConfig('inventory', database.url), {
    bus,
    pubsub: createInProcessPubSub(),
  });
});
afterAll(async () => {
  await subgraph.stop();
  await bus.close();
  await seedDb.$disconnect();
  await database.drop();
});

describe('inventory subgraph over HTTP', () => {
  it('publishes its federation SDL with Product as an entity', async () => {
    const { status, body } = await postGraphQL<{ _service: { sdl: string } }>(subgraph.url, '{ _service { sdl } }');
    expect(status).toBe(200);
    const sdl = body.data!._service.sdl;
    expect(sdl).toMatch(/type Product\s+@key\(fields: "id"\)/);
  });

  it('resolves a Product reference to its price and its availability over all warehouses', async () => {
    const store = createInventoryStore(seedDb);
    const product = randomUUID();
    const [north, south] = [randomUUID(), randomUUID()];
    await store.saveWarehouse({ id: north, code: 'N1', name: 'North' });
    await store.saveWarehouse({ id: south, code: 'S1', name: 'South' });
    await store.saveProduct({ id: product, sku: 'LAMP-1', name: 'Desk lamp', priceAmount: 3450, priceCurrency: 'EUR' });
    await store.setStock({ productId: product, warehouseId: north, onHand: 8, reserved: 5 });
    await store.setStock({ productId: product, warehouseId: south, onHand: 2 });

    const { status, body } = await postGraphQL(
      subgraph.url,
      `query ($representations: [_Any!]!) {
        _entities(representations: $representations) { ... on Product { id name price { amount currency } available } }
      }`,
      {
        variables: {
          representations: [
            { __typename: 'Product', id: product },
            { __typename: 'Product', id: randomUUID() },
          ],
        },
      },
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data?._entities).toEqual([
      { id: product, name: 'Desk lamp', price: { amount: 3450, currency: 'EUR' }, available: 5 },
      null,
    ]);
  });
});
