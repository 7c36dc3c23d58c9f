/**
 * Conformance: errors — subgraph errors re-pathed onto the client's paths (through lists, lists of
 * lists and aliases), non-null violations nulling the nearest nullable parent, and subgraphs that
 * answer HTTP 500 or cannot be reached (partial data). Planted faults (fixtures/shop.ts): user u3's
 * `name` throws FORBIDDEN, its `birthYear` (Int!) resolves to null; u3 wrote review r3, of the couch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { err, expectAnswer, reportedErrors, startFederation, type Federation } from './harness.ts';
import { library } from './fixtures/library.ts';
import { shop } from './fixtures/shop.ts';

let shopFed: Federation;
let reviewsDownFed: Federation;
let libraryFed: Federation;

beforeAll(async () => {
  [shopFed, reviewsDownFed, libraryFed] = await Promise.all([
    startFederation(shop),
    startFederation(shop, { unreachable: ['reviews'] }),
    startFederation(library),
  ]);
});
afterAll(async () => {
  await Promise.all([shopFed?.stop(), reviewsDownFed?.stop(), libraryFed?.stop()]);
});

const suspended = (path: (string | number)[]) => err('account u3 is suspended', path, 'FORBIDDEN');
const birthYearNull = (path: (string | number)[]) =>
  // DOWNSTREAM_SERVICE_ERROR (or no code) is outside Meridian's vocabulary: clients see INTERNAL_SERVER_ERROR.
  err('Cannot return null for non-nullable field User.birthYear.', path, 'INTERNAL_SERVER_ERROR');

describe('subgraph errors on the client’s paths', () => {
  it('an error in an entity fetch lands on the client’s path, list indices included', async () => {
    await expectAnswer(shopFed, '{ topProducts { upc reviews { author { name } } } }', {
      data: {
        topProducts: [
          { upc: '1', reviews: [{ author: { name: 'Ada Lovelace' } }, { author: { name: 'Alan Turing' } }] },
          { upc: '2', reviews: [{ author: { name: null } }] },
          { upc: '3', reviews: [{ author: { name: 'Ada Lovelace' } }, { author: null }] },
        ],
      },
      errors: [suspended(['topProducts', 1, 'reviews', 0, 'author', 'name'])],
    });
  });

  it('through a list of lists, both indices are on the path', async () => {
    await expectAnswer(shopFed, '{ productGrid { reviews { author { name } } } }', {
      data: {
        productGrid: [
          [
            { reviews: [{ author: { name: 'Ada Lovelace' } }, { author: { name: 'Alan Turing' } }] },
            { reviews: [{ author: { name: null } }] },
          ],
          [],
          [{ reviews: [{ author: { name: 'Ada Lovelace' } }, { author: null }] }],
        ],
      },
      errors: [suspended(['productGrid', 0, 1, 'reviews', 0, 'author', 'name'])],
    });
  });

  it('an error in the root subgraph and one in an entity fetch of the same answer each keep their own path', async () => {
    await expectAnswer(shopFed, '{ users { name reviews { author { name } } } }', {
      data: {
        users: [
          {
            name: 'Ada Lovelace',
            reviews: [{ author: { name: 'Ada Lovelace' } }, { author: { name: 'Ada Lovelace' } }],
          },
          { name: 'Alan Turing', reviews: [{ author: { name: 'Alan Turing' } }] },
          { name: null, reviews: [{ author: { name: null } }] },
        ],
      },
      errors: [suspended(['users', 2, 'name']), suspended(['users', 2, 'reviews', 0, 'author', 'name'])],
    });
  });

  it('the same entity failing at two places of the answer yields an error at each', async () => {
    await expectAnswer(shopFed, '{ a: review(id: "r3") { author { name } } b: review(id: "r3") { author { name } } }', {
      data: { a: { author: { name: null } }, b: { author: { name: null } } },
      errors: [suspended(['a', 'author', 'name']), suspended(['b', 'author', 'name'])],
    });
  });
});

describe('non-null violations', () => {
  it('a non-null field that fails in an entity fetch nulls the nearest nullable parent (the author)', async () => {
    await expectAnswer(shopFed, '{ topProducts(first: 2) { name reviews { body author { id birthYear } } } }', {
      data: {
        topProducts: [
          {
            name: 'Table',
            reviews: [
              { body: 'Love it!', author: { id: 'u1', birthYear: 1815 } },
              { body: 'Too expensive.', author: { id: 'u2', birthYear: 1912 } },
            ],
          },
          { name: 'Couch', reviews: [{ body: 'Could be better.', author: null }] },
        ],
      },
      errors: [birthYearNull(['topProducts', 1, 'reviews', 0, 'author', 'birthYear'])],
    });
  });

  it('a nullable sibling’s error and a non-null field’s error on the same entity: the entity is null, both reported', async () => {
    await expectAnswer(shopFed, '{ review(id: "r3") { body author { name birthYear } } }', {
      data: { review: { body: 'Could be better.', author: null } },
      errors: [suspended(['review', 'author', 'name']), birthYearNull(['review', 'author', 'birthYear'])],
    });
  });

  it('through non-null lists up to a non-null root field, the whole data is null', async () => {
    await expectAnswer(shopFed, '{ users { id birthYear } }', {
      data: null,
      errors: [birthYearNull(['users', 2, 'birthYear'])],
    });
  });

  it('a null the router finds itself (an unresolved entity’s non-null field) propagates through non-null lists to data', async () => {
    const { meridian } = await expectAnswer(
      libraryFed,
      '{ shelves { label books { catalogued } } }',
      { data: null },
      { errors: 'reported' },
    );
    expect(reportedErrors(meridian).map((e) => e.path)).toEqual([['shelves', 1, 'books', 1, 'catalogued']]);
  });
});

describe('a subgraph that fails', () => {
  async function withInventoryDown<T>(run: () => Promise<T>): Promise<T> {
    const inventory = shopFed.subgraphs.inventory!;
    inventory.behaviour = 'http-500';
    try {
      return await run();
    } finally {
      inventory.behaviour = 'answer';
    }
  }

  it('HTTP 500 for an entity fetch: its nullable fields are null, the rest of the answer stands, an error says so', async () => {
    await withInventoryDown(() =>
      expectAnswer(
        shopFed,
        '{ topProducts { name shippingEstimate reviews { body } } }',
        {
          data: {
            topProducts: [
              { name: 'Table', shippingEstimate: null, reviews: [{ body: 'Love it!' }, { body: 'Too expensive.' }] },
              { name: 'Couch', shippingEstimate: null, reviews: [{ body: 'Could be better.' }] },
              {
                name: 'Chair',
                shippingEstimate: null,
                reviews: [{ body: 'Prefer something else.' }, { body: 'Anonymous praise.' }],
              },
            ],
          },
        },
        { errors: 'reported' },
      ),
    );
  });

  it('HTTP 500 for a non-null field: the null goes up to the nearest nullable parent', async () => {
    await withInventoryDown(() =>
      expectAnswer(
        shopFed,
        '{ a: review(id: "r1") { body product { name inStock } } b: review(id: "r2") { body } }',
        { data: { a: null, b: { body: 'Too expensive.' } } },
        { errors: 'reported' },
      ),
    );
  });

  it('HTTP 500 for a root fetch: that root field is null, the other subgraphs’ root fields stand', async () => {
    const products = shopFed.subgraphs.products!;
    products.behaviour = 'http-500';
    try {
      await expectAnswer(
        shopFed,
        '{ product(upc: "1") { name } me { name } }',
        { data: { product: null, me: { name: 'Ada Lovelace' } } },
        { errors: 'reported' },
      );
    } finally {
      products.behaviour = 'answer';
    }
  });

  it('an unreachable subgraph: partial data, the fields it serves are null up to the nearest nullable parent', async () => {
    await expectAnswer(
      reviewsDownFed,
      '{ me { name reviews { body } } topProducts(first: 1) { name } }',
      { data: { me: null, topProducts: [{ name: 'Table' }] } },
      { errors: 'reported' },
    );
  });

  it('an unreachable subgraph the operation does not need makes no error', async () => {
    await expectAnswer(reviewsDownFed, '{ me { name } topProducts(first: 1) { name inStock } }', {
      data: { me: { name: 'Ada Lovelace' }, topProducts: [{ name: 'Table', inStock: true }] },
    });
  });
});

describe('request errors', () => {
  it('an unknown field is a validation error: 400, no data, no subgraph asked', async () => {
    const before = shopFed.subgraphs.products!.received.length;
    await expectAnswer(
      shopFed,
      '{ topProducts { name colour } }',
      { errors: [err('Cannot query field "colour" on type "Product".', undefined, 'GRAPHQL_VALIDATION_FAILED')] },
      { status: 400 },
    );
    expect(shopFed.subgraphs.products!.received.length).toBe(before);
  });

  it('a variable of the wrong type is refused before execution', async () => {
    await expectAnswer(
      shopFed,
      'query ($first: Int) { topProducts(first: $first) { name } }',
      {
        errors: [
          err(
            'Variable "$first" got invalid value "two"; Int cannot represent non-integer value: "two"',
            undefined,
            'BAD_USER_INPUT',
          ),
        ],
      },
      { status: 400, variables: { first: 'two' } },
    );
  });
});
