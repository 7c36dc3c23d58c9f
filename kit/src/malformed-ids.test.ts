import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse, subscribe, type ExecutionResult, type GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { DomainError } from './errors.js';
import { refuseMalformedIds } from './malformed-ids.js';

const id = '0d3e0000-0000-4000-8000-000000000001';
/** What each resolver was called with: a malformed id must never get this far. */
const seen: unknown[] = [];

const schema = refuseMalformedIds(
  buildSubgraphSchema({
    typeDefs: parse(`
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
      type Query { order(id: ID!): Order  orders(ids: [ID!]!): [Order]  search(text: String): [Order] }
      type Mutation { place(input: PlaceInput!): Order }
      type Subscription { orderUpdated(id: ID!): Order }
      input PlaceInput { note: String  items: [LineInput!]!  next: PlaceInput }
      input LineInput { productId: ID!  quantity: Int! }
      type Order @key(fields: "id") { id: ID!  note: String }
      type Buyer @key(fields: "id") { id: ID!  orders: [Order] }
    `),
    resolvers: {
      Query: {
        order: (_: unknown, args: unknown) => (seen.push(args), { id }),
        orders: (_: unknown, args: unknown) => (seen.push(args), []),
        search: () => [],
      },
      Mutation: { place: (_: unknown, args: unknown) => (seen.push(args), { id }) },
      Subscription: {
        orderUpdated: {
          subscribe: async function* (_: unknown, args: unknown) {
            seen.push(args);
            yield { orderUpdated: { id } };
          },
        },
      },
      Order: { __resolveReference: (reference: unknown) => (seen.push(reference), reference) },
    },
  }),
);

/** The code the shared formatter gives a resolver's error: the DomainError's. */
const codeOf = (error: GraphQLError) => (error.originalError as DomainError | undefined)?.code;

async function run(query: string, variableValues?: Record<string, unknown>) {
  seen.length = 0;
  const result = (await execute({ schema, document: parse(query), variableValues })) as ExecutionResult;
  return { errors: result.errors?.map((e) => [codeOf(e), e.message]), data: result.data, seen: [...seen] };
}

describe('refuseMalformedIds', () => {
  it.each([
    ['an ID argument', '{ order(id: "x") { id } }', undefined, '`id` is not a valid id'],
    ['an ID argument given as a number', '{ order(id: 42) { id } }', undefined, '`id` is not a valid id'],
    [
      'one of a list of IDs',
      'query ($ids: [ID!]!) { orders(ids: $ids) { id } }',
      { ids: [id, 'x'] },
      '`ids[1]` is not a valid id',
    ],
    [
      'an ID deep in an input object',
      'mutation ($input: PlaceInput!) { place(input: $input) { id } }',
      {
        input: {
          items: [],
          next: {
            items: [
              { productId: id, quantity: 1 },
              { productId: "' OR 1=1", quantity: 1 },
            ],
          },
        },
      },
      '`input.next.items[1].productId` is not a valid id',
    ],
  ])('%s that is not a UUID: BAD_USER_INPUT naming it, the resolver never called', async (_, query, variables, message) => {
    const result = await run(query, variables);
    expect(result.errors).toEqual([['BAD_USER_INPUT', message]]);
    expect(result.seen).toEqual([]);
  });

  it('UUIDs (any letter case), absent optional ids and fields without ids pass untouched', async () => {
    expect((await run(`{ order(id: "${id.toUpperCase()}") { id } }`)).seen).toEqual([{ id: id.toUpperCase() }]);
    const input = { note: 'n', items: [{ productId: id, quantity: 2 }] };
    expect((await run('mutation ($input: PlaceInput!) { place(input: $input) { id } }', { input })).seen).toEqual([{ input }]);
    expect((await run('{ search(text: "x") { id } }')).errors).toBeUndefined();
  });

  it('a subscription to a malformed id is refused before its source starts', async () => {
    seen.length = 0;
    const result = (await subscribe({
      schema,
      document: parse('subscription { orderUpdated(id: "x") { id } }'),
    })) as ExecutionResult;
    expect(result.errors?.map(codeOf)).toEqual(['BAD_USER_INPUT']);
    expect(seen).toEqual([]);
  });

  it('an entity reference whose id is not a UUID resolves to null, in place, before any reference resolver', async () => {
    const query = 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id } ... on Buyer { id } } }';
    const representations = [
      { __typename: 'Order', id },
      { __typename: 'Order', id: 'x' },
      { __typename: 'Buyer', id: { $gt: '' } },
      { __typename: 'Order' },
      { __typename: 'Buyer', id },
    ];
    const result = await run(query, { r: representations });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ _entities: [{ id }, null, null, null, { id }] });
    expect(result.seen).toEqual([{ __typename: 'Order', id }]);
  });
});
