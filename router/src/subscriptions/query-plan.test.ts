/**
 * Subscription planning and per-event execution over a small composed supergraph (orders owns the
 * subscription, users and payments contribute entity fields), served in-process by
 * LocalGraphQLDataSource: no network, the gateway's own executor doing the merging.
 */
import { describe, expect, it } from 'vitest';
import { GraphQLError, parse, type DocumentNode } from 'graphql';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { LocalGraphQLDataSource, type GraphQLDataSource } from '@apollo/gateway';
import { prettyFormatQueryPlan } from '@apollo/query-planner';
import { createDocumentCache } from '#kit/document-cache';
import { composeSupergraph, defaultSupergraphConfig, readSupergraphConfig } from '../compose.ts';
import { createSubscriptionPlanner, type SubscriptionEvent } from './query-plan.ts';

const ordersTypeDefs = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
  enum OrderStatus { PENDING CONFIRMED CANCELLED }
  type Query { order(id: ID!): Order }
  type Subscription { orderUpdated(id: ID!): Order! }
  type Order @key(fields: "id") { id: ID! status: OrderStatus! buyer: User! items: [OrderItem!]! }
  type OrderItem { quantity: Int! product: Product! }
  type User @key(fields: "id", resolvable: false) { id: ID! }
  type Product @key(fields: "id", resolvable: false) { id: ID! }
`;
const usersTypeDefs = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
  type Query { user(id: ID!): User }
  type User @key(fields: "id") { id: ID! displayName(style: NameStyle = FULL): String email: String }
  enum NameStyle { FULL INITIALS }
`;
const inventoryTypeDefs = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
  type Query { product(id: ID!): Product }
  type Product @key(fields: "id") { id: ID! name: String }
`;
const paymentsTypeDefs = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
  type Query { payment(id: ID!): Payment }
  type Payment @key(fields: "id") { id: ID! status: String! }
  type Order @key(fields: "id") { id: ID! payment: Payment }
`;

interface Ctx {
  viewer?: string;
}
const users: Record<string, { displayName: string; email: string }> = {
  u1: { displayName: 'Ada Lovelace', email: 'ada@example.com' },
};
/** Users whose displayName resolver throws (a failing field in another subgraph). */
const brokenNames = new Set<string>(['u-broken', 'p-broken']);
const nameOf = (entity: { id: string; displayName?: string }) => {
  if (brokenNames.has(entity.id)) throw new GraphQLError('profile store unavailable', { extensions: { code: 'UNAVAILABLE' } });
  return entity.displayName ?? `Product ${entity.id}`;
};

const subgraphs = {
  orders: buildSubgraphSchema({
    typeDefs: parse(ordersTypeDefs),
    resolvers: { Order: { __resolveReference: (o: { id: string }) => o } } as never,
  }),
  users: buildSubgraphSchema({
    typeDefs: parse(usersTypeDefs),
    resolvers: {
      User: {
        __resolveReference: ({ id }: { id: string }) => ({ id, ...users[id] }),
        displayName(user: { id: string; displayName?: string }, args: { style: string }, ctx: Ctx) {
          const name = nameOf(user);
          const shown = args.style === 'INITIALS' ? name.replace(/(\w)\w*/g, '$1.').replace(/ /g, '') : name;
          return ctx.viewer ? `${shown} (seen by ${ctx.viewer})` : shown;
        },
      },
    } as never,
  }),
  inventory: buildSubgraphSchema({
    typeDefs: parse(inventoryTypeDefs),
    resolvers: { Product: { __resolveReference: (p: { id: string }) => p, name: nameOf } } as never,
  }),
  payments: buildSubgraphSchema({
    typeDefs: parse(paymentsTypeDefs),
    resolvers: {
      Order: { payment: ({ id }: { id: string }) => ({ id: `pay-${id}`, status: 'SUCCEEDED' }) },
    } as never,
  }),
};

const composed = composeServices(
  Object.entries({ orders: ordersTypeDefs, users: usersTypeDefs, inventory: inventoryTypeDefs, payments: paymentsTypeDefs }).map(
    ([name, sdl]) => ({
      name,
      url: `http://${name}.test/graphql`,
      typeDefs: parse(sdl),
    }),
  ),
);
if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
const supergraphSdl = composed.supergraphSdl;

const local = (name: keyof typeof subgraphs): GraphQLDataSource => new LocalGraphQLDataSource(subgraphs[name]);
const planner = createSubscriptionPlanner(supergraphSdl, ({ name }) => local(name as keyof typeof subgraphs));

const orderSubscription = parse(`
  subscription Watch($id: ID!, $style: NameStyle, $withPayment: Boolean!) {
    order: orderUpdated(id: $id) {
      __typename
      id
      state: status
      buyer { ...Buyer }
      payment @include(if: $withPayment) { status }
    }
  }
  fragment Buyer on User { __typename name: displayName(style: $style) }
`);

/** An event as the orders subgraph sends it for the primary fetch of `orderSubscription`. */
function ordersEvent(buyerId: string): SubscriptionEvent {
  const plan = planner.plan(orderSubscription, 'Watch');
  expect(plan.operation).toContain('order:orderUpdated'); // the primary keeps the client's alias
  return {
    data: { order: { __typename: 'Order', id: 'o1', state: 'CONFIRMED', buyer: { __typename: 'User', id: buyerId } } },
  };
}

/** The first error of what the servers check before planning (the planner expects valid documents). */
function validationError(text: string): GraphQLError {
  const checked = createDocumentCache(planner.schema).check(text);
  if (!Array.isArray(checked)) throw new Error('valid');
  return checked[0]!;
}

describe('subscription planning', () => {
  it('opens the subscription field on its owning subgraph with only the variables it uses', () => {
    const plan = planner.plan(orderSubscription, 'Watch');
    expect(plan.service).toBe('orders');
    expect(plan.operation).toMatch(/^subscription Watch__orders__0\(\$id:ID!\)\{order:orderUpdated\(id:\$id\)\{/);
    expect(plan.operationName).toBe('Watch__orders__0');
    expect(plan.variableUsages).toEqual(['id']);
    expect(plan.hasRest).toBe(true);
    expect(planner.urlOf(plan.service)).toBe('http://orders.test/graphql');
    expect(() => planner.urlOf('shipping')).toThrow('The supergraph has no subgraph named "shipping"');
  });

  it('needs no rest when the owning subgraph answers the whole selection', () => {
    const plan = planner.plan(parse('subscription { orderUpdated(id: "o1") { id status } }'));
    expect(plan.service).toBe('orders');
    expect(plan.variableUsages).toEqual([]);
    expect(plan.hasRest).toBe(false);
  });

  it('plans each operation once: the same document (even re-parsed) gets the same plan', () => {
    const text = 'subscription($id: ID!) { orderUpdated(id: $id) { status } }';
    expect(planner.plan(parse(text))).toBe(planner.plan(parse(text)));
    expect(planner.plan(orderSubscription, 'Watch')).toBe(planner.plan(orderSubscription, 'Watch'));
  });

  it('refuses a query or a mutation with a clear error', () => {
    const refusal = (document: DocumentNode, operationName?: string) => {
      try {
        planner.plan(document, operationName);
      } catch (error) {
        return error as GraphQLError;
      }
      throw new Error('planned');
    };
    const query = refusal(parse('query Me { user(id: "u1") { displayName } }'));
    expect(query).toBeInstanceOf(GraphQLError);
    expect(query.message).toBe('Only subscription operations are served here; send the query over HTTP POST /graphql');
    expect(query.extensions.code).toBe('BAD_REQUEST');

    const unknown = refusal(orderSubscription, 'Nope');
    expect(unknown.message).toBe('Unknown operation named "Nope".');
    expect(unknown.extensions.code).toBe('OPERATION_RESOLUTION_FAILURE');

    const invalid = validationError('subscription { orderUpdated(id: "o1") { nothing } }');
    expect(invalid.message).toBe('Cannot query field "nothing" on type "Order".');
    expect(invalid.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses what cannot be one subscription: two root fields, a conditional root field', () => {
    const refusal = (text: string) => {
      try {
        planner.plan(parse(text));
      } catch (error) {
        return (error as GraphQLError).toJSON();
      }
      throw new Error('planned');
    };
    expect(
      validationError('subscription Two { a: orderUpdated(id: "1") { id } b: orderUpdated(id: "2") { id } }').toJSON(),
    ).toMatchObject({
      message: 'Subscription "Two" must select only one top level field.',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect(refusal('subscription($on: Boolean!) { ... @include(if: $on) { orderUpdated(id: "o1") { id } } }')).toEqual({
      message: 'A subscription cannot put @skip or @include on its root field',
      extensions: { code: 'BAD_REQUEST' },
    });
  });

  it("checks the client's variables against the operation's definitions", () => {
    const plan = planner.plan(orderSubscription, 'Watch');
    expect(plan.validateVariables({ id: 'o1', withPayment: false })).toEqual([]);
    expect(plan.validateVariables({ withPayment: 'yes' }).map((e) => e.message)).toEqual([
      'Variable "$id" of required type "ID!" was not provided.',
      'Variable "$withPayment" got invalid value "yes"; Boolean cannot represent a non boolean value: "yes"',
    ]);
  });
});

describe('subscription events', () => {
  const variables = { id: 'o1', withPayment: true };

  it('merges each event with the entity fields of the other subgraphs, with aliases, fragments and __typename', async () => {
    const plan = planner.plan(orderSubscription, 'Watch');
    const result = await plan.execute(ordersEvent('u1'), { variables, context: {} });
    expect(result).toEqual({
      data: {
        order: {
          __typename: 'Order',
          id: 'o1',
          state: 'CONFIRMED',
          buyer: { __typename: 'User', name: 'Ada Lovelace' },
          payment: { status: 'SUCCEEDED' },
        },
      },
    });
  });

  it('passes variables only the rest of the plan uses (and @include conditions) to the other subgraphs', async () => {
    const plan = planner.plan(orderSubscription, 'Watch');
    const result = await plan.execute(ordersEvent('u1'), {
      variables: { id: 'o1', style: 'INITIALS', withPayment: false },
      context: {},
    });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      order: { __typename: 'Order', id: 'o1', state: 'CONFIRMED', buyer: { __typename: 'User', name: 'A.L.' } },
    });
  });

  it("runs the rest with each client's own context and leaves the shared event untouched", async () => {
    const plan = planner.plan(orderSubscription, 'Watch');
    const event = ordersEvent('u1');
    const before = structuredClone(event);
    const [ada, bob] = await Promise.all([
      plan.execute(event, { variables, context: { viewer: 'ada' } satisfies Ctx }),
      plan.execute(event, { variables, context: { viewer: 'bob' } satisfies Ctx }),
    ]);
    expect((ada.data as any).order.buyer.name).toBe('Ada Lovelace (seen by ada)');
    expect((bob.data as any).order.buyer.name).toBe('Ada Lovelace (seen by bob)');
    expect(event).toEqual(before);
  });

  it('keeps the order data when a field of another subgraph fails, with the error at its path', async () => {
    const plan = planner.plan(orderSubscription, 'Watch');
    const result = await plan.execute(ordersEvent('u-broken'), { variables, context: {} });
    expect(result.data).toEqual({
      order: {
        __typename: 'Order',
        id: 'o1',
        state: 'CONFIRMED',
        buyer: { __typename: 'User', name: null },
        payment: { status: 'SUCCEEDED' },
      },
    });
    expect(result.errors?.map((e) => ({ message: e.message, path: e.path, extensions: e.extensions }))).toEqual([
      {
        message: 'profile store unavailable',
        path: ['order', 'buyer', 'name'],
        extensions: { code: 'UNAVAILABLE', serviceName: 'users' },
      },
    ]);
  });

  it('keeps the order data when another subgraph cannot be reached at all', async () => {
    const unreachable = createSubscriptionPlanner(supergraphSdl, {
      orders: local('orders'),
      users: {
        process: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:4002')),
      },
      inventory: local('inventory'),
      payments: local('payments'),
    });
    const result = await unreachable.plan(orderSubscription, 'Watch').execute(ordersEvent('u1'), { variables, context: {} });
    expect(result.data).toEqual({
      order: {
        __typename: 'Order',
        id: 'o1',
        state: 'CONFIRMED',
        buyer: { __typename: 'User', name: null },
        payment: { status: 'SUCCEEDED' },
      },
    });
    expect(result.errors?.map((e) => e.message)).toEqual(['connect ECONNREFUSED 127.0.0.1:4002']);
  });

  it('resolves entities inside lists, and puts an error of one list element at that element', async () => {
    const plan = planner.plan(parse('subscription($id: ID!) { orderUpdated(id: $id) { items { quantity product { name } } } }'));
    const item = (quantity: number, product: string) => ({ quantity, product: { __typename: 'Product', id: product } });
    const result = await plan.execute(
      { data: { orderUpdated: { items: [item(2, 'p1'), item(1, 'p-broken'), item(5, 'p3')] } } },
      { variables: { id: 'o1' }, context: {} },
    );
    expect(result.data).toEqual({
      orderUpdated: {
        items: [
          { quantity: 2, product: { name: 'Product p1' } },
          { quantity: 1, product: { name: null } },
          { quantity: 5, product: { name: 'Product p3' } },
        ],
      },
    });
    expect(result.errors?.map((e) => [e.message, e.path, e.extensions.serviceName])).toEqual([
      ['profile store unavailable', ['orderUpdated', 'items', 1, 'product', 'name'], 'inventory'],
    ]);
  });

  it("passes on the owning subgraph's errors for an event without data, as that subgraph's", async () => {
    const plan = planner.plan(orderSubscription, 'Watch');
    const result = await plan.execute(
      {
        data: null,
        errors: [{ message: 'You may not watch this order', path: ['order'], extensions: { code: 'FORBIDDEN' } }],
      },
      { variables, context: {} },
    );
    expect(result.data).toBeNull();
    expect(result.errors?.map((e) => e.toJSON())).toEqual([
      {
        message: 'You may not watch this order',
        path: ['order'],
        extensions: { code: 'FORBIDDEN', serviceName: 'orders' },
      },
    ]);
  });

  it('passes on errors of an event that also has data, and resolves the rest of it', async () => {
    const plan = planner.plan(orderSubscription, 'Watch');
    const event = ordersEvent('u1');
    const result = await plan.execute(
      { ...event, errors: [{ message: 'history is late', path: ['order', 'state'] }] },
      { variables, context: {} },
    );
    expect((result.data as any).order.buyer.name).toBe('Ada Lovelace');
    expect(result.errors?.map((e) => [e.message, e.path, e.extensions.serviceName])).toEqual([
      ['history is late', ['order', 'state'], 'orders'],
    ]);
  });
});

describe('the Meridian supergraph', () => {
  it('opens orderUpdated on orders and fetches buyer, products and payment from their subgraphs', () => {
    const real = createSubscriptionPlanner(composeSupergraph(readSupergraphConfig(defaultSupergraphConfig)), () => ({
      process: async () => ({}),
    }));
    const plan = real.plan(
      parse(`subscription($id: ID!) { orderUpdated(id: $id) {
        status history { status at } buyer { displayName } items { product { name } } payment { status } } }`),
    );
    expect(plan.service).toBe('orders');
    expect(plan.variableUsages).toEqual(['id']);
    expect(plan.hasRest).toBe(true);
    const formatted = prettyFormatQueryPlan(plan.queryPlan);
    expect(formatted).toContain('Flatten(path: "orderUpdated") {\n            Fetch(service: "payments")');
    expect(formatted).toContain('Flatten(path: "orderUpdated.buyer") {\n            Fetch(service: "users")');
    expect(formatted).toContain('Flatten(path: "orderUpdated.items.@.product") {\n            Fetch(service: "inventory")');
  });
});
