import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessEventBus } from '#kit/events';
import { createLogger } from '#kit/logger';
import { createInProcessPubSub } from '#kit/pubsub';
import { readSchemaFile } from '#kit/subgraph-server';
import { createTestDatabase, inProcessSubgraph, testViewer, type TestDatabase } from '#kit/testing';
import { createOrderStore, createOrdersDb, type OrdersDb } from '../adapters/order-store.ts';
import type { OrderStore } from '../ports.ts';
import { createLoaders, type Context } from './context.ts';
import { createResolvers } from './resolvers.ts';

let database: TestDatabase;
let db: OrdersDb;
let store: OrderStore;
let subgraph: Awaited<ReturnType<typeof inProcessSubgraph>>;
const sql: string[] = [];
const logger = createLogger('test', 'silent');

const uuid = () => crypto.randomUUID();
const ada = uuid();
const bob = uuid();
const admin = testViewer(uuid(), ['ADMIN']);
const adaOrders: string[] = []; // newest first
const bobOrder = uuid();

beforeAll(async () => {
  database = await createTestDatabase('orders');
  db = createOrdersDb(database.url, 4, true);
  db.$on('query', (event) => sql.push(event.query));
  store = createOrderStore(db);
  // In-process Apollo Server on the real schema and error formatter: no HTTP, so tests can pick the viewer.
  subgraph = await inProcessSubgraph<Context>({
    typeDefs: readSchemaFile(import.meta.url, 2),
    resolvers: createResolvers({ orders: store, bus: createInProcessEventBus(logger), pubsub: createInProcessPubSub(), logger }),
    contextFor: (viewer) => ({ viewer, correlationId: 'test', logger, loaders: createLoaders(store) }),
  });

  const base = Date.parse('2026-05-01T00:00:00.000Z');
  const seeded: { id: string; createdAt: Date }[] = [];
  for (let i = 0; i < 60; i += 1) {
    const id = uuid();
    const createdAt = new Date(base + Math.floor(i / 2) * 60_000); // pairs share a minute
    await store.saveOrder({
      id,
      buyerId: ada,
      status: 'PAID',
      currency: 'EUR',
      createdAt,
      items: [
        { productId: uuid(), quantity: 2, unitPriceAmount: 1000 + i },
        { productId: uuid(), quantity: 1, unitPriceAmount: 5 },
      ],
      history: [
        { status: 'PENDING', at: createdAt },
        { status: 'RESERVED', at: new Date(createdAt.getTime() + 1) },
        { status: 'PAID', at: new Date(createdAt.getTime() + 2) },
      ],
    });
    seeded.push({ id, createdAt });
  }
  // Newest first, ties broken by id, as the API promises.
  seeded.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
  adaOrders.push(...seeded.map((o) => o.id));
  await store.saveOrder({
    id: bobOrder,
    buyerId: bob,
    status: 'PENDING',
    currency: 'EUR',
    items: [{ productId: uuid(), quantity: 1, unitPriceAmount: 100 }],
    history: [{ status: 'PENDING', at: new Date() }],
  });
});
afterAll(async () => {
  await subgraph.stop();
  await db.$disconnect();
  await database.drop();
});

const codeOf = (result: { errors?: readonly { extensions?: Record<string, unknown> }[] }) => result.errors?.[0]?.extensions?.code;

interface Money {
  amount: number;
  currency: string;
}
interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}
interface OrderNode {
  id: string;
  total: Money;
  items: { quantity: number; unitPrice: { amount: number }; lineTotal: { amount: number }; product: { id: string } }[];
  history: { status: string }[];
  buyer: { id: string };
}
type Page = { myOrders: Connection<OrderNode> };

const pageQuery = /* GraphQL */ `
  query Page($first: Int, $after: String) {
    myOrders(first: $first, after: $after) {
      edges {
        cursor
        node {
          id
          total {
            amount
            currency
          }
          items {
            quantity
            unitPrice {
              amount
            }
            lineTotal {
              amount
            }
            product {
              id
            }
          }
          history {
            status
          }
          buyer {
            id
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

describe('orders resolvers on real PostgreSQL', () => {
  it('myOrders(first: 50) with items and history costs three SQL queries: the page, all items, all histories', async () => {
    sql.length = 0;
    const result = await subgraph.run<Page>(testViewer(ada), pageQuery, { first: 50 });
    expect(result.errors).toBeUndefined();
    const edges = result.data!.myOrders.edges;
    expect(edges).toHaveLength(50);
    expect(edges.every((e) => e.node.items.length === 2 && e.node.history.length === 3)).toBe(true);
    expect(sql.filter((q) => q.includes('order_items'))).toHaveLength(1);
    expect(sql.filter((q) => q.includes('order_status_changes'))).toHaveLength(1);
    expect(sql).toHaveLength(3);
  });

  it('serves items in position order with computed line totals, history oldest first, and the buyer as a reference', async () => {
    const result = await subgraph.run<Page>(testViewer(ada), pageQuery, { first: 1 });
    const node = result.data!.myOrders.edges[0]!.node;
    const first = node.items[0]!;
    expect(node.items.map((i) => [i.quantity, i.lineTotal.amount])).toEqual([
      [2, 2 * first.unitPrice.amount],
      [1, 5],
    ]);
    expect(node.total).toEqual({ amount: first.lineTotal.amount + 5, currency: 'EUR' });
    expect(node.history.map((h) => h.status)).toEqual(['PENDING', 'RESERVED', 'PAID']);
    expect(node.buyer).toEqual({ id: ada });
  });

  it('pages through myOrders newest first with no gaps or repeats', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 20; page += 1) {
      const connection: Connection<OrderNode> = (await subgraph.run<Page>(testViewer(ada), pageQuery, { first: 7, after })).data!
        .myOrders;
      seen.push(...connection.edges.map((e) => e.node.id));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toEqual(adaOrders);
    expect(seen).toHaveLength(60);
  });

  it('myOrders lists only the viewer’s own orders and refuses anonymous callers', async () => {
    const bobs = await subgraph.run<Page>(testViewer(bob), pageQuery, { first: 50 });
    expect(bobs.data!.myOrders.edges.map((e) => e.node.id)).toEqual([bobOrder]);
    expect(codeOf(await subgraph.run(null, pageQuery))).toBe('UNAUTHENTICATED');
  });

  it('a bad page size or cursor is BAD_USER_INPUT', async () => {
    expect(codeOf(await subgraph.run(testViewer(ada), pageQuery, { first: 101 }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await subgraph.run(testViewer(ada), pageQuery, { first: 5, after: 'nonsense' }))).toBe('BAD_USER_INPUT');
  });

  it("order(id) is the buyer's or an admin's; for anyone else it is null, as if it did not exist", async () => {
    const query = 'query ($id: ID!) { order(id: $id) { id status } }';
    expect((await subgraph.run(testViewer(bob), query, { id: bobOrder })).data!.order).toEqual({
      id: bobOrder,
      status: 'PENDING',
    });
    expect((await subgraph.run(admin, query, { id: bobOrder })).data!.order).toEqual({ id: bobOrder, status: 'PENDING' });
    const stranger = await subgraph.run(testViewer(ada), query, { id: bobOrder });
    expect(stranger.errors).toBeUndefined();
    expect(stranger.data!.order).toBeNull();
    expect((await subgraph.run(null, query, { id: bobOrder })).data!.order).toBeNull();
  });

  it('order references resolve in one query and only to orders the viewer may see', async () => {
    const query = 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id } } }';
    const representations = [...adaOrders.slice(0, 10), bobOrder].map((id) => ({ __typename: 'Order', id }));
    sql.length = 0;
    const result = await subgraph.run(testViewer(ada), query, { r: representations });
    expect(result.data!._entities).toEqual([...adaOrders.slice(0, 10).map((id) => ({ id })), null]);
    expect(sql).toHaveLength(1);
  });

  it('User.orders is visible to that user and to admins; anyone else gets FORBIDDEN', async () => {
    type Users = { _entities: { orders: Connection<{ id: string }> }[] };
    const query =
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { orders(first: 3) { edges { node { id } } pageInfo { hasNextPage } } } } }';
    const r = [{ __typename: 'User', id: ada }];
    const own = (await subgraph.run<Users>(testViewer(ada), query, { r })).data!._entities[0]!.orders;
    expect(own.edges.map((e) => e.node.id)).toEqual(adaOrders.slice(0, 3));
    expect(own.pageInfo.hasNextPage).toBe(true);
    const byAdmin = await subgraph.run<Users>(admin, query, { r });
    expect(byAdmin.data!._entities[0]!.orders.edges).toHaveLength(3);
    expect(codeOf(await subgraph.run(testViewer(bob), query, { r }))).toBe('FORBIDDEN');
  });
});
