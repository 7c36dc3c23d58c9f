import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessEventBus, createLogger, type RunningSubgraph, type SubgraphConfig } from '#kit';
import { createTestDatabase, type TestDatabase } from '#kit/testing';
import { createInventoryDb, createInventoryStore, type InventoryDb } from './adapters/prisma-inventory-store.ts';
import { startInventorySubgraph } from './subgraph.ts';

let database: TestDatabase;
let seedDb: InventoryDb;
let subgraph: RunningSubgraph;
const bus = createInProcessEventBus(createLogger('test', 'silent'));

beforeAll(async () => {
  database = await createTestDatabase('inventory');
  seedDb = createInventoryDb(database.url, 1);
  const config: SubgraphConfig = {
    name: 'inventory',
    port: 0,
    host: '127.0.0.1',
    databaseUrl: database.url,
    databasePoolMax: 4,
    maxBodyBytes: 1_000_000,
    production: false,
    logLevel: 'silent',
    redisUrl: undefined,
    tokens: { jwksUrl: 'http://127.0.0.1:9/.well-known/jwks.json', issuer: 'meridian-auth', audience: 'meridian' },
  };
  subgraph = await startInventorySubgraph(config, { bus });
});
afterAll(async () => {
  await subgraph.stop();
  await bus.close();
  await seedDb.$disconnect();
  await database.drop();
});

async function post(query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(subgraph.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { data?: Record<string, unknown>; errors?: { message: string }[] };
}

describe('inventory subgraph over HTTP', () => {
  it('publishes its federation SDL with Product as an entity', async () => {
    const result = await post('{ _service { sdl } }');
    const sdl = (result.data?._service as { sdl: string }).sdl;
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

    const result = await post(
      `query ($representations: [_Any!]!) {
        _entities(representations: $representations) { ... on Product { id name price { amount currency } available } }
      }`,
      {
        representations: [
          { __typename: 'Product', id: product },
          { __typename: 'Product', id: randomUUID() },
        ],
      },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities).toEqual([
      { id: product, name: 'Desk lamp', price: { amount: 3450, currency: 'EUR' }, available: 5 },
      null,
    ]);
  });
});
