/**
 * Conformance: interfaces and unions whose members live in several subgraphs, `@interfaceObject`
 * (resolvable and not), `@override`, `@shareable` and `@inaccessible`, on the media and sensors
 * fixtures (fixtures/media.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { err, expectAnswer, startFederation, type Federation } from './harness.ts';
import { mediaFixture, sensors } from './fixtures/media.ts';

let mediaFed: Federation;
let sensorsFed: Federation;

beforeAll(async () => {
  [mediaFed, sensorsFed] = await Promise.all([startFederation(mediaFixture), startFederation(sensors)]);
});
afterAll(async () => {
  await Promise.all([mediaFed?.stop(), sensorsFed?.stop()]);
});

const hobbitAuthors = [{ name: 'J. R. R. Tolkien' }];
const ubikAuthors = [{ name: 'Philip K. Dick' }];

describe('interfaces across subgraphs', () => {
  it('fragments on each concrete type pick fields from the subgraphs that own them', async () => {
    await expectAnswer(
      mediaFed,
      '{ library { __typename id title ... on Book { pages authors { name } } ... on Film { minutes director { name born } } } }',
      {
        data: {
          library: [
            { __typename: 'Book', id: 'm1', title: 'The Hobbit', pages: 310, authors: hobbitAuthors },
            { __typename: 'Film', id: 'm2', title: 'Alien', minutes: 117, director: { name: 'Ridley Scott', born: 1937 } },
            { __typename: 'Book', id: 'm3', title: 'Ubik', pages: 202, authors: ubikAuthors },
          ],
        },
      },
    );
  });

  it('a named fragment on the interface, nesting one on a concrete type: fields land only on matching objects', async () => {
    await expectAnswer(
      mediaFed,
      `{ library { ...Item } }
       fragment Item on Media { __typename title ... on Book { pages } ...FilmFacts }
       fragment FilmFacts on Film { minutes stars }`,
      {
        data: {
          library: [
            { __typename: 'Book', title: 'The Hobbit', pages: 310 },
            { __typename: 'Film', title: 'Alien', minutes: 117, stars: 4 },
            { __typename: 'Book', title: 'Ubik', pages: 202 },
          ],
        },
      },
    );
  });

  it('only __typename on an interface list', async () => {
    await expectAnswer(mediaFed, '{ library { __typename } }', {
      data: { library: [{ __typename: 'Book' }, { __typename: 'Film' }, { __typename: 'Book' }] },
    });
  });

  it('a single interface-typed root field with a fragment on the concrete type that matches, and one that does not', async () => {
    await expectAnswer(mediaFed, '{ media(id: "m2") { title ... on Book { pages } ... on Film { director { name } } } }', {
      data: { media: { title: 'Alien', director: { name: 'Ridley Scott' } } },
    });
  });
});

describe('@interfaceObject', () => {
  it('a field an @interfaceObject adds to every implementation, asked on the interface', async () => {
    await expectAnswer(mediaFed, '{ library { title stars } }', {
      data: {
        library: [
          { title: 'The Hobbit', stars: 5 },
          { title: 'Alien', stars: 4 },
          { title: 'Ubik', stars: 3 },
        ],
      },
    });
  });

  it('the same field asked inside a fragment on one implementation only', async () => {
    await expectAnswer(mediaFed, '{ library { title ... on Film { stars } } }', {
      data: { library: [{ title: 'The Hobbit' }, { title: 'Alien', stars: 4 }, { title: 'Ubik' }] },
    });
  });

  it('a list from the @interfaceObject subgraph gets its concrete __typename from the interface’s owner', async () => {
    await expectAnswer(mediaFed, '{ topRated { __typename id } }', {
      data: {
        topRated: [
          { __typename: 'Book', id: 'm1' },
          { __typename: 'Film', id: 'm2' },
          { __typename: 'Book', id: 'm3' },
        ],
      },
    });
  });

  it('from an @interfaceObject list, fragments on concrete types reach a third subgraph', async () => {
    await expectAnswer(
      mediaFed,
      '{ topRated { id stars title ... on Film { director { name } } ... on Book { pages authors { name } } } }',
      {
        data: {
          topRated: [
            { id: 'm1', stars: 5, title: 'The Hobbit', pages: 310, authors: hobbitAuthors },
            { id: 'm2', stars: 4, title: 'Alien', director: { name: 'Ridley Scott' } },
            { id: 'm3', stars: 3, title: 'Ubik', pages: 202, authors: ubikAuthors },
          ],
        },
      },
    );
  });

  it('a non-resolvable @interfaceObject serves its own root field', async () => {
    await expectAnswer(sensorsFed, '{ telemetryDevice { id signal } }', {
      data: { telemetryDevice: { id: 'd1', signal: 'strong' } },
    });
  });

  it('a non-resolvable @interfaceObject root field’s concrete type is learnt from the subgraph with the interface', async () => {
    await expectAnswer(sensorsFed, '{ gadget { __typename id ... on Phone { model } } }', {
      data: { gadget: { __typename: 'Phone', id: 'g1', model: 'Fairphone' } },
    });
  });

  it('an entity interface without implementations fails in its subgraph: null with the subgraph’s error', async () => {
    await expectAnswer(sensorsFed, '{ device { id } }', {
      data: { device: null },
      errors: [err('Abstract type "Device" was resolved to a non-object type "Device".', ['device'], 'INTERNAL_SERVER_ERROR')],
    });
  });

  // plain @apollo/gateway gets this wrong; Meridian's executor should pass it. (`signal` of a Device
  // reached through sensors can only come from telemetry's @interfaceObject, which is not
  // resolvable: no plan can serve it. Apollo's planner (2.14) returns an empty plan, and the gateway
  // answers { device: null } with no error; the operation must fail instead, as a request error:
  // data null. The executor can pass it by refusing a plan that serves no selected field.)
  it('a field only a non-resolvable @interfaceObject has, reached through the interface, is a request error', async () => {
    // Plain @apollo/gateway answers { device: null } without an error (its plan is empty).
    await expectAnswer(
      sensorsFed,
      '{ device { signal } }',
      { data: null, errors: [{ message: expect.any(String) as unknown as string, code: expect.any(String) }] },
      { referenceIsWrong: true, status: null },
    );
  });
});

describe('unions across subgraphs', () => {
  it('members from different subgraphs, each with a fragment', async () => {
    await expectAnswer(
      mediaFed,
      '{ search(term: "en") { __typename ... on Film { title minutes } ... on Person { name born } ... on Book { pages } } }',
      {
        data: {
          search: [
            { __typename: 'Film', title: 'Alien', minutes: 117 },
            { __typename: 'Person', name: 'J. R. R. Tolkien', born: 1892 },
          ],
        },
      },
    );
  });

  it('a fragment on an interface the members implement, inside a union', async () => {
    await expectAnswer(mediaFed, '{ search(term: "en") { ... on Media { title stars } ... on Person { id } } }', {
      data: { search: [{ title: 'Alien', stars: 4 }, { id: 'tolkien' }] },
    });
  });

  it('union members no fragment matches are empty objects', async () => {
    await expectAnswer(mediaFed, '{ search(term: "Ubik") { ... on Person { name } } }', { data: { search: [{}] } });
  });

  it('only __typename on a union list', async () => {
    await expectAnswer(mediaFed, '{ search(term: "en") { __typename } }', {
      data: { search: [{ __typename: 'Film' }, { __typename: 'Person' }] },
    });
  });
});

describe('@override, @shareable, @inaccessible', () => {
  it('an @override field is answered by the subgraph that took it over, wherever the entity comes from', async () => {
    const query = '{ people { name } search(term: "d") { ... on Person { name } } }';
    const { meridian } = await expectAnswer(mediaFed, query, {
      data: {
        people: [{ name: 'J. R. R. Tolkien' }, { name: 'Philip K. Dick' }, { name: 'Ridley Scott' }],
        search: [{ name: 'Philip K. Dick' }, { name: 'Ridley Scott' }],
      },
    });
    expect(JSON.stringify(meridian.body)).not.toContain('STALE');
  });

  it('a @shareable field is served by the subgraph already at hand: the other one is not asked', async () => {
    const media = mediaFed.subgraphs.media!;
    const before = media.received.length;
    await expectAnswer(mediaFed, '{ people { name favourite { title } } }', {
      data: {
        people: [
          { name: 'J. R. R. Tolkien', favourite: { title: 'The Hobbit' } },
          { name: 'Philip K. Dick', favourite: null },
          { name: 'Ridley Scott', favourite: null },
        ],
      },
    });
    expect(media.received.length).toBe(before);
  });

  it('an @inaccessible field cannot be queried: a validation error, no data, no subgraph asked', async () => {
    const media = mediaFed.subgraphs.media!;
    const before = media.received.length;
    await expectAnswer(
      mediaFed,
      '{ library { ... on Book { isbnInternal } } }',
      { errors: [err('Cannot query field "isbnInternal" on type "Book".', undefined, 'GRAPHQL_VALIDATION_FAILED')] },
      { status: 400 },
    );
    expect(media.received.length).toBe(before);
  });

  it('an @inaccessible field is not in introspection', async () => {
    await expectAnswer(mediaFed, '{ __type(name: "Book") { fields { name } } }', {
      data: {
        __type: { fields: ['id', 'title', 'pages', 'authors', 'shelfmark', 'stars'].map((name) => ({ name })) },
      },
    });
  });

  it('an @inaccessible field still feeds a @requires behind the scenes, and stays out of the answer', async () => {
    const { meridian } = await expectAnswer(mediaFed, '{ library { ... on Book { title shelfmark } } }', {
      data: {
        library: [{ title: 'The Hobbit', shelfmark: 'R-978-0' }, {}, { title: 'Ubik', shelfmark: 'R-978-1' }],
      },
    });
    expect(JSON.stringify(meridian.body)).not.toContain('isbnInternal');
  });
});
