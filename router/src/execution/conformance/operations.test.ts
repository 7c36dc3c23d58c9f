/**
 * Conformance: the shape of the operation — aliases, named and inline fragments, variables and
 * their defaults, `@skip`/`@include`, `__typename`, several operations in one document — over the
 * shop fixture; mutations run in order over the ledger fixture; introspection through the router.
 */
import { buildClientSchema, getIntrospectionQuery, printSchema, type IntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAnswer, post, startFederation, type Federation } from './harness.ts';
import { journal, ledger, resetLedger } from './fixtures/ledger.ts';
import { shop } from './fixtures/shop.ts';

let shopFed: Federation;
let ledgerFed: Federation;

beforeAll(async () => {
  [shopFed, ledgerFed] = await Promise.all([startFederation(shop), startFederation(ledger)]);
});
afterAll(async () => {
  await Promise.all([shopFed?.stop(), ledgerFed?.stop()]);
});

/** How many operations `subgraph` received while `run` ran. */
async function requestsTo(federation: Federation, subgraph: string, run: () => Promise<unknown>): Promise<number> {
  const before = federation.subgraphs[subgraph]!.received.length;
  await run();
  return federation.subgraphs[subgraph]!.received.length - before;
}

describe('aliases', () => {
  it('the same root field twice, aliased, with different arguments', async () => {
    await expectAnswer(shopFed, '{ one: topProducts(first: 1) { name } two: topProducts(first: 2) { upc inStock } }', {
      data: {
        one: [{ name: 'Table' }],
        two: [
          { upc: '1', inStock: true },
          { upc: '2', inStock: false },
        ],
      },
    });
  });

  it('aliases that swap two field names are answered by response name', async () => {
    await expectAnswer(shopFed, '{ product(upc: "2") { name: upc upc: name inStock: shippingEstimate } }', {
      data: { product: { name: '2', upc: 'Couch', inStock: 0 } },
    });
  });

  it('the same entity field twice under two aliases, with subselections served by different subgraphs', async () => {
    await expectAnswer(shopFed, '{ review(id: "r1") { a: author { name } b: author { username id } } }', {
      data: { review: { a: { name: 'Ada Lovelace' }, b: { username: '@ada', id: 'u1' } } },
    });
  });

  it('aliases on fields fetched from other subgraphs, at every depth', async () => {
    await expectAnswer(
      shopFed,
      '{ tp: topProducts(first: 2) { stock: inStock eta: shippingEstimate feedback: reviews { text: body by: author { who: name } } } }',
      {
        data: {
          tp: [
            {
              stock: true,
              eta: 50,
              feedback: [
                { text: 'Love it!', by: { who: 'Ada Lovelace' } },
                { text: 'Too expensive.', by: { who: 'Alan Turing' } },
              ],
            },
            { stock: false, eta: 0, feedback: [{ text: 'Could be better.', by: { who: null } }] },
          ],
        },
        errors: [
          {
            message: 'account u3 is suspended',
            path: ['tp', 1, 'feedback', 0, 'by', 'who'],
            code: 'FORBIDDEN',
          },
        ],
      },
    );
  });

  it('an aliased __typename, at the root and on entities', async () => {
    await expectAnswer(
      shopFed,
      '{ kind: __typename review(id: "r2") { kind: __typename author { kind: __typename t: __typename } } }',
      {
        data: { kind: 'Query', review: { kind: 'Review', author: { kind: 'User', t: 'User' } } },
      },
    );
  });
});

describe('fragments', () => {
  it('named fragments, nested and spread twice at different depths, spanning subgraphs', async () => {
    await expectAnswer(
      shopFed,
      `{ product(upc: "1") { ...ProductCard reviews { body product { ...ProductCard } } } }
       fragment ProductCard on Product { name ...Stock }
       fragment Stock on Product { inStock shippingEstimate }`,
      {
        data: {
          product: {
            name: 'Table',
            inStock: true,
            shippingEstimate: 50,
            reviews: [
              { body: 'Love it!', product: { name: 'Table', inStock: true, shippingEstimate: 50 } },
              { body: 'Too expensive.', product: { name: 'Table', inStock: true, shippingEstimate: 50 } },
            ],
          },
        },
      },
    );
  });

  it('inline fragments with and without a type condition, and a field asked both in and out of them', async () => {
    await expectAnswer(
      shopFed,
      '{ product(upc: "3") { name ... { name price } ... on Product { name inStock reviews { id } } } }',
      {
        data: { product: { name: 'Chair', price: 54, inStock: true, reviews: [{ id: 'r4' }, { id: 'r5' }] } },
      },
    );
  });

  it('a fragment on an entity type served by another subgraph, spread inside a list', async () => {
    await expectAnswer(
      shopFed,
      '{ topProducts(first: 1) { reviews { author { ...Person } } } } fragment Person on User { name birthYear username }',
      {
        data: {
          topProducts: [
            {
              reviews: [
                { author: { name: 'Ada Lovelace', birthYear: 1815, username: '@ada' } },
                { author: { name: 'Alan Turing', birthYear: 1912, username: '@alan' } },
              ],
            },
          ],
        },
      },
    );
  });
});

describe('variables', () => {
  const query = 'query ($first: Int = 2, $upc: ID!) { topProducts(first: $first) { upc } product(upc: $upc) { name } }';

  it('a default applies when the variable is not given', async () => {
    await expectAnswer(
      shopFed,
      query,
      { data: { topProducts: [{ upc: '1' }, { upc: '2' }], product: { name: 'Couch' } } },
      {
        variables: { upc: '2' },
      },
    );
  });

  it('a given value overrides the default', async () => {
    await expectAnswer(
      shopFed,
      query,
      { data: { topProducts: [{ upc: '1' }], product: { name: 'Table' } } },
      {
        variables: { first: 1, upc: '1' },
      },
    );
  });

  it('an explicit null overrides the default (the argument is null, not defaulted)', async () => {
    // topProducts(first: null) takes no product: slice(0, null).
    await expectAnswer(shopFed, query, { data: { topProducts: [], product: null } }, { variables: { first: null, upc: '9' } });
  });

  it('a missing required variable is a request error before any fetch', async () => {
    const count = await requestsTo(shopFed, 'products', () =>
      expectAnswer(
        shopFed,
        query,
        { errors: [{ message: 'Variable "$upc" of required type "ID!" was not provided.', code: 'BAD_USER_INPUT' }] },
        { status: 400 },
      ),
    );
    expect(count).toBe(0);
  });

  it('the operation named by operationName runs, out of several in the document', async () => {
    const document = 'query First { topProducts(first: 1) { name } } query Second { me { name } }';
    for (const url of [shopFed.meridianUrl, shopFed.gatewayUrl]) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: document, operationName: 'Second' }),
      });
      expect(await response.json()).toEqual({ data: { me: { name: 'Ada Lovelace' } } });
    }
  });
});

describe('@skip and @include', () => {
  it('literal conditions on fields: skip(if: true) and include(if: false) remove, the others keep', async () => {
    await expectAnswer(
      shopFed,
      '{ product(upc: "1") { a: name @skip(if: true) b: name @skip(if: false) c: name @include(if: false) d: name @include(if: true) } }',
      { data: { product: { b: 'Table', d: 'Table' } } },
    );
  });

  it('a field with both: kept only when included and not skipped', async () => {
    await expectAnswer(
      shopFed,
      `{ product(upc: "1") {
          a: upc @include(if: true) @skip(if: true)
          b: upc @include(if: true) @skip(if: false)
          c: upc @include(if: false) @skip(if: false)
        } }`,
      { data: { product: { b: '1' } } },
    );
  });

  it('literal conditions on inline fragments and fragment spreads', async () => {
    await expectAnswer(
      shopFed,
      `{ product(upc: "2") {
          ... @include(if: false) { upc }
          ... on Product @include(if: true) { name }
          ...Stock @skip(if: true)
          ...Feedback @skip(if: false)
        } }
       fragment Stock on Product { inStock }
       fragment Feedback on Product { reviews { body } }`,
      { data: { product: { name: 'Couch', reviews: [{ body: 'Could be better.' }] } } },
    );
  });

  it('variable conditions on fields, fragments and spreads from other subgraphs; excluded subgraphs are not asked', async () => {
    const query = `query ($stock: Boolean!, $noReviews: Boolean = false) {
        product(upc: "1") {
          name
          inStock @include(if: $stock)
          ... @include(if: $stock) { shippingEstimate }
          ...Feedback @skip(if: $noReviews)
        }
      }
      fragment Feedback on Product { reviews { author { name } } }`;
    const without = await requestsTo(shopFed, 'inventory', () =>
      expectAnswer(
        shopFed,
        query,
        {
          data: {
            product: { name: 'Table', reviews: [{ author: { name: 'Ada Lovelace' } }, { author: { name: 'Alan Turing' } }] },
          },
        },
        { variables: { stock: false } },
      ),
    );
    expect(without).toBe(0);
    const withStock = await requestsTo(shopFed, 'reviews', () =>
      expectAnswer(
        shopFed,
        query,
        { data: { product: { name: 'Table', inStock: true, shippingEstimate: 50 } } },
        { variables: { stock: true, noReviews: true } },
      ),
    );
    expect(withStock).toBe(0);
  });

  it('@skip on a root field and @include on __typename', async () => {
    await expectAnswer(
      shopFed,
      'query ($yes: Boolean = true) { me @skip(if: $yes) { name } __typename @include(if: $yes) product(upc: "3") { __typename @include(if: false) name } }',
      { data: { __typename: 'Query', product: { name: 'Chair' } } },
    );
  });
});

describe('__typename', () => {
  it('`{ __typename }` alone is answered by the router itself', async () => {
    const count = await requestsTo(shopFed, 'products', () =>
      expectAnswer(shopFed, '{ __typename }', { data: { __typename: 'Query' } }),
    );
    expect(count).toBe(0);
  });

  it('__typename alone on entities of other subgraphs needs no fetch of them', async () => {
    const count = await requestsTo(shopFed, 'accounts', () =>
      expectAnswer(shopFed, '{ topProducts(first: 1) { __typename reviews { __typename author { __typename } } } }', {
        data: {
          topProducts: [
            {
              __typename: 'Product',
              reviews: [
                { __typename: 'Review', author: { __typename: 'User' } },
                { __typename: 'Review', author: { __typename: 'User' } },
              ],
            },
          ],
        },
      }),
    );
    expect(count).toBe(0);
  });

  it('`mutation { __typename }`', async () => {
    await expectAnswer(ledgerFed, 'mutation { __typename }', { data: { __typename: 'Mutation' } });
  });
});

describe('mutations', () => {
  it('root mutation fields run one after the other, across subgraphs, in the operation’s order', async () => {
    // deposit(1) waits 60 ms, note 5 ms, deposit(20) 3 ms: run concurrently, the journal would read
    // backwards. Each gateway starts from an empty ledger; Meridian's journal is kept aside.
    let runs = 0;
    let meridianJournal: string[] = [];
    const { meridian } = await expectAnswer(
      ledgerFed,
      'mutation { a: deposit(amount: 1) { balance } n: note(text: "one") b: deposit(amount: 20) { balance } m: note(text: "two") }',
      {
        data: {
          a: { balance: 1 },
          n: ['deposit 1', 'note one'],
          b: { balance: 21 },
          m: ['deposit 1', 'note one', 'deposit 20', 'note two'],
        },
      },
      {
        beforeEach: () => {
          if (runs++ === 1) meridianJournal = [...journal];
          resetLedger();
        },
      },
    );
    expect(meridian.body.errors).toBeUndefined();
    expect(meridianJournal).toEqual(['deposit 1', 'note one', 'deposit 20', 'note two']);
  });

  it('a mutation’s result gets fields from another subgraph, with variables', async () => {
    await expectAnswer(
      ledgerFed,
      'mutation ($amount: Int!) { deposit(amount: $amount) { id balance entries } }',
      { data: { deposit: { id: 'acc', balance: 5, entries: ['deposit 5'] } } },
      { beforeEach: resetLedger, variables: { amount: 5 } },
    );
  });
});

describe('introspection through the router', () => {
  it('the schema shows the composed API, without federation’s machinery', async () => {
    const { meridian } = await expectAnswer(shopFed, '{ __schema { queryType { name } mutationType { name } types { name } } }', {
      data: {
        __schema: {
          queryType: { name: 'Query' },
          mutationType: null,
          types: expect.any(Array) as unknown as unknown[],
        },
      },
    });
    const names = (meridian.body.data as { __schema: { types: { name: string }[] } }).__schema.types.map((t) => t.name);
    expect(names.filter((n) => !n.startsWith('__')).sort()).toEqual([
      'Boolean',
      'ID',
      'Int',
      'Product',
      'Query',
      'Review',
      'String',
      'User',
    ]);
  });

  it('a type’s fields are merged from every subgraph; Query has no _entities or _service', async () => {
    // Field order is composition's business (the gateway's answer is compared as is).
    const fieldsOf = (names: string[]) => ({
      fields: expect.toSatisfy(
        (fields: { name: string }[]) =>
          fields
            .map((f) => f.name)
            .sort()
            .join() === [...names].sort().join(),
      ),
    });
    await expectAnswer(
      shopFed,
      '{ p: __type(name: "Product") { fields { name } } q: __type(name: "Query") { fields { name } } }',
      {
        data: {
          p: fieldsOf(['upc', 'sku', 'name', 'price', 'weight', 'inStock', 'shippingEstimate', 'reviews']),
          q: fieldsOf(['topProducts', 'product', 'productGrid', 'review', 'me', 'users']),
        },
      },
    );
  });

  it('the full introspection query answers as the gateway’s plus @defer, and builds the client schema', async () => {
    const { meridian, reference } = await expectAnswer(
      shopFed,
      getIntrospectionQuery(),
      { data: expect.objectContaining({ __schema: expect.any(Object) }) as unknown as Record<string, unknown> },
      { referenceIsWrong: true },
    );
    // The router executes @defer (the gateway never did), so its schema declares the directive.
    const schemaOf = (response: typeof meridian) => (response.body.data as unknown as IntrospectionQuery).__schema;
    const { directives, ...rest } = schemaOf(meridian);
    expect(directives.filter((d) => d.name === 'defer').map((d) => d.args.map((a) => a.name))).toEqual([['label', 'if']]);
    expect({ ...rest, directives: directives.filter((d) => d.name !== 'defer') }).toEqual(schemaOf(reference));
    const sdl = printSchema(buildClientSchema(meridian.body.data as unknown as IntrospectionQuery));
    expect(sdl).toContain('shippingEstimate: Int');
    expect(sdl).toContain('topProducts(first: Int = 5): [Product!]!');
  });

  it('introspection and data in one operation; an unknown type is null', async () => {
    await expectAnswer(
      shopFed,
      '{ __type(name: "Nope") { name } t: __type(name: "Review") { kind } product(upc: "1") { name } }',
      {
        data: { __type: null, t: { kind: 'OBJECT' }, product: { name: 'Table' } },
      },
    );
  });
});

describe('the wire', () => {
  it('a response without errors has no `errors` key at all', async () => {
    const response = await post(shopFed.meridianUrl, '{ me { name } }');
    expect(Object.keys(response.body)).toEqual(['data']);
  });
});
