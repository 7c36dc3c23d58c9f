import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import { getOperationAST, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { defaultSupergraphFile } from './compose.ts';
import { actualCost, costDirectivesOf, estimateCost, type CostModel } from './operation-cost.ts';
import { forGateway } from './supergraph-file.ts';

const sdl = readFileSync(defaultSupergraphFile, 'utf8');
/** The real supergraph: its API schema (what operations are validated against) and its @cost/@listSize. */
const model: CostModel = {
  schema: Supergraph.build(forGateway(sdl)).apiSchema().toGraphQLJSSchema(),
  directives: costDirectivesOf(sdl),
  defaultListSize: 10,
};

function estimate(query: string, variables?: Record<string, unknown>) {
  const document = parse(query);
  return estimateCost(model, document, getOperationAST(document)!, variables);
}
function actual(query: string, data: Record<string, unknown>, variables?: Record<string, unknown>) {
  const document = parse(query);
  return actualCost(model, document, getOperationAST(document)!, variables, data);
}
const repeat = (count: number, text: (i: number) => string) => Array.from({ length: count }, (_, i) => text(i)).join(' ');

describe('operation cost: the supergraph directives', () => {
  it('reads @listSize on connections and lists and @cost on the costly mutations', () => {
    expect(model.directives.listSizes.get('Query.products')).toEqual({
      assumedSize: undefined,
      slicingArguments: ['first'],
      sizedFields: ['edges'],
    });
    expect(model.directives.listSizes.get('Order.items')).toMatchObject({ assumedSize: 10 });
    expect(model.directives.fieldWeights.get('Mutation.reprocessDocument')).toBe(100);
    expect(model.directives.fieldWeights.get('Mutation.placeOrder')).toBe(20);
  });
});

describe('operation cost: estimates', () => {
  it("sizes a connection's edges by `first`: objects cost 1, scalars 0", () => {
    // products 1 + 3 edges × (edge 1 + node 1 + price 1)
    expect(estimate('{ products(first: 3) { edges { node { name price { amount currency } } } } }')).toBe(10);
    expect(estimate('query ($n: Int) { products(first: $n) { edges { node { id } } } }', { n: 50 })).toBe(101);
    // A negative size (the subgraph refuses it) never takes cost off the rest of the operation.
    expect(estimate('{ a: products(first: -1000) { edges { cursor } } b: products(first: 3) { edges { cursor } } }')).toBe(
      1 + (1 + 3),
    );
  });

  it("without `first` (or with its variable left out), uses the argument's default (20); plain lists their assumed size", () => {
    expect(estimate('{ products { edges { node { id } } } }')).toBe(1 + 20 * 2);
    expect(estimate('query ($n: Int) { products(first: $n) { edges { cursor } } }', {})).toBe(1 + 20 * 1);
    // User.addresses: @listSize(assumedSize: 20).
    expect(estimate('{ me { addresses { id } } }')).toBe(1 + 20);
  });

  it('multiplies nested lists: orders × items × product', () => {
    const query = `{ me { displayName roles
       orders(first: 5) { edges { node { status total { amount }
         items { quantity product { name } } payment { status } } } }
       documents { filename status } } }`;
    // me 1 + orders (1 + 5 × (edge 1 + order 1 + total 1 + 10 items × (1 + product 1) + payment 1)) + 20 documents × 1
    expect(estimate(query)).toBe(1 + (1 + 5 * (1 + 1 + 1 + 10 * 2 + 1)) + 20);
  });

  it('counts a fragment at each of its uses, worked out once: spread into a connection, it is sized there too', () => {
    const query = `{ a: products(first: 2) { ...Page } b: products(first: 4) { ...Page } }
      fragment Page on ProductConnection { edges { node { ...P } } } fragment P on Product { price { amount } }`;
    expect(estimate(query)).toBe(1 + 2 * 3 + (1 + 4 * 3));
  });

  it('charges root mutation fields 10 each, @cost weights in place of the type, and input objects 1 each', () => {
    const id = '00000000-0000-4000-8000-000000000000';
    expect(estimate(`mutation { reprocessDocument(id: "${id}") { id } }`)).toBe(10 + 100);
    expect(estimate(`mutation { ${repeat(3, (i) => `r${i}: reprocessDocument(id: "${id}") { id }`)} }`)).toBe(3 * 110);
    const spread = `mutation { ...M ... on Mutation { c: reprocessDocument(id: "${id}") { id } } }
      fragment M on Mutation { a: reprocessDocument(id: "${id}") { id } b: reprocessDocument(id: "${id}") { id } }`;
    expect(estimate(spread)).toBe(3 * 110);
    const placeOrder = `mutation ($input: PlaceOrderInput!) { placeOrder(input: $input, idempotencyKey: "k") { id } }`;
    const input = {
      items: [
        { productId: id, quantity: 1 },
        { productId: id, quantity: 2 },
      ],
      paymentMethod: 'tok_visa',
      shippingAddressId: id,
    };
    // 10 + input (1 + 2 lines) + 20
    expect(estimate(placeOrder, { input })).toBe(10 + 3 + 20);
  });

  it('leaves out what @skip/@include leave out, and introspection', () => {
    expect(
      estimate('query ($all: Boolean!) { me { id } products @include(if: $all) { edges { cursor } } }', { all: false }),
    ).toBe(1);
    expect(estimate('{ products(first: 3) @skip(if: true) { edges { cursor } } __typename __schema { types { name } } }')).toBe(
      0,
    );
  });

  it('is linear in the document: 1 KB of fragments spreading each other twice (2^26 × products) in milliseconds', () => {
    const query = `{ ...F0 } ${repeat(26, (i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`)}
      fragment F26 on Query { products(first: 50) { edges { node { id } } } }`;
    const started = performance.now();
    expect(estimate(query)).toBe(2 ** 26 * (1 + 50 * 2));
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('sizes a list no @listSize sizes by the default list size', () => {
    const withoutListSizes = { ...model, directives: { ...model.directives, listSizes: new Map() } };
    const document = parse('{ me { addresses { id } } }');
    expect(estimateCost(withoutListSizes, document, getOperationAST(document)!, undefined)).toBe(1 + 10);
  });
});

describe("operation cost: the README's queries (the figures it quotes)", () => {
  it.each([
    ['products(first: 3)', '{ products(first: 3) { edges { node { name price { amount currency } } } } }', 10],
    [
      'the six-subgraph me',
      `{ me { displayName roles orders(first: 5) { edges { node { status total { amount }
         items { quantity product { name } } payment { status } } } } documents { filename status } } }`,
      142,
    ],
    [
      'the @defer one',
      '{ me { displayName ... @defer { orders(first: 5) { edges { node { status payment { status } } } } } } }',
      17,
    ],
    [
      'the orderUpdated subscription',
      `subscription ($id: ID!) { orderUpdated(id: $id) { status history { status at }
        buyer { displayName } items { product { name } } payment { status } } }`,
      31,
    ],
    [
      'the largest page',
      '{ products(first: 100) { edges { node { id name description price { amount currency } available } } } }',
      301,
    ],
  ])('%s costs %i', (_, query, cost) => {
    expect(estimate(query)).toBe(cost);
  });
});

describe('operation cost: actual', () => {
  it('counts what the response returned: list lengths, null objects nothing', () => {
    const query = '{ products(first: 3) { edges { node { name price { amount } } } } }';
    const node = { name: 'pen', price: { amount: 1 } };
    expect(actual(query, { products: { edges: [{ node }, { node }] } })).toBe(1 + 2 * 3);
    expect(actual('{ me { id } }', { me: null })).toBe(0);
  });

  it('follows fragments and aliases as the estimate does', () => {
    const query = `mutation { a: reprocessDocument(id: "x") { ...J } } fragment J on DocumentJob { id }`;
    expect(actual(query, { a: { id: 'j' } })).toBe(110);
  });
});
