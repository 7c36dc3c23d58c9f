/**
 * The router's graphql-ws endpoint on the in-process stack (real PostgreSQL): what a client that
 * sends something wrong gets back, and queries/mutations over the socket.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createLogger } from '#kit/logger';
import { eventually } from '#kit/testing';
import { connectLive, watch, type LiveConnection } from '#kit/live-client';
import { graphql, loginAs, startTestStack, type TestStack } from '../test-stack.ts';
import { startRouter, type RunningRouter } from '../../../router/src/router.ts';

let stack: TestStack;
let token: string;
const connections: LiveConnection[] = [];
const live = (withToken = true) => {
  const connection = connectLive(stack.url, { token: withToken ? token : undefined });
  connections.push(connection);
  return connection;
};

beforeAll(async () => {
  stack = await startTestStack({ websocket: { maxSubscriptionsPerConnection: 3 } });
  token = await loginAs(stack.url);
}, 60_000);

afterAll(async () => {
  await Promise.all(connections.map((c) => c.dispose()));
  await stack?.stop();
});

type Errors = { message: string; extensions: { code: string } }[];
const refusal = async (query: string, variables: Record<string, unknown> = {}, connection = live()) => {
  const watched = watch(connection, query, variables);
  const { error } = await watched.ended;
  expect(watched.results).toEqual([]);
  return error as Errors;
};

describe('router graphql-ws: bad input', () => {
  it('a syntax error: GRAPHQL_PARSE_FAILED', async () => {
    const [error] = await refusal('subscription { orderUpdated(id: ');
    expect(error!.extensions.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('an unknown field: GRAPHQL_VALIDATION_FAILED, nothing opened', async () => {
    const [error] = await refusal('subscription ($id: ID!) { orderUpdated(id: $id) { nope } }', { id: randomUUID() });
    expect(error!.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(error!.message).toMatch(/nope/);
    expect(stack.router.live.upstreams()).toBe(0);
  });

  it('a missing variable: BAD_USER_INPUT', async () => {
    const [error] = await refusal('subscription ($id: ID!) { orderUpdated(id: $id) { status } }');
    expect(error!.extensions.code).toBe('BAD_USER_INPUT');
  });

  it('too deep: QUERY_TOO_DEEP', async () => {
    const nest = (levels: number): string =>
      levels === 0 ? 'id' : `buyer { orders { edges { node { ${nest(levels - 1)} } } } }`;
    const deep = nest(4); // 1 + 4 × 4 + 1 = 18 levels, above the limit of 15;
    const [error] = await refusal(`subscription ($id: ID!) { orderUpdated(id: $id) { ${deep} } }`, { id: randomUUID() });
    expect(error!.extensions.code).toBe('QUERY_TOO_DEEP');
  });

  it('a fragment bomb (2^26 selections from 2 KB): QUERY_TOO_COMPLEX within milliseconds, the socket stays open', async () => {
    const connection = live();
    const fragments = Array.from({ length: 26 }, (_, i) => `fragment F${i} on Subscription { ...F${i + 1} ...F${i + 1} }`);
    const bomb = `subscription ($id: ID!) { ...F0 } ${fragments.join(' ')}
      fragment F26 on Subscription { orderUpdated(id: $id) { status } }`;
    await refusal(bomb, { id: randomUUID() }, connection); // connected, and the time measured is not the first run of the code
    const started = performance.now();
    const [error] = await refusal(bomb, { id: randomUUID() }, connection);
    expect(performance.now() - started).toBeLessThan(50);
    expect(error!.extensions.code).toBe('QUERY_TOO_COMPLEX');
    expect(await watch(connection, '{ __typename }').ended).toEqual({});
  });

  it('a document over the token limit: GRAPHQL_PARSE_FAILED from the parser', async () => {
    const [error] = await refusal(`subscription ($id: ID!) { orderUpdated(id: $id) { ${'status '.repeat(5_001)} } }`);
    expect(error!.extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(error!.message).toMatch(/more th\w+ 5000 tokens/);
  });

  it('an id that is not a UUID: BAD_USER_INPUT from the orders subgraph, then completion', async () => {
    const watched = watch(live(), 'subscription { orderUpdated(id: "42") { status } }');
    expect(await watched.ended).toEqual({});
    expect(watched.results[0]!.errors!.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });

  it('an unknown order: NOT_FOUND', async () => {
    const watched = watch(live(), 'subscription ($id: ID!) { orderUpdated(id: $id) { status } }', { id: randomUUID() });
    expect(await watched.ended).toEqual({});
    expect(watched.results[0]!.errors!.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
  });

  it('more subscriptions on one connection than allowed: RATE_LIMITED for the extra one', async () => {
    const connection = live();
    const query = 'subscription ($id: ID!) { documentUpdated(id: $id) { status } }';
    const documents = await (async () => {
      const watched = watch<{ me: { documents: { id: string }[] } }>(connection, '{ me { documents { id } } }');
      await watched.ended;
      return watched.results[0]!.data!.me.documents.map((d) => d.id);
    })();
    expect(documents.length).toBeGreaterThanOrEqual(2);
    const open = [0, 1, 0].map((i) => watch(connection, query, { id: documents[i] }));
    await Promise.all(open.map((w) => w.until((r) => r.length >= 1)));
    const [error] = await refusal(query, { id: documents[1] }, connection);
    expect(error!.extensions.code).toBe('RATE_LIMITED');
    open.forEach((w) => w.stop());
  });
});

/** Subscribes with an operation name (which `watch` does not send); resolves with how it ended and its results. */
function named(connection: LiveConnection, query: string, operationName: string, variables: Record<string, unknown> = {}) {
  const results: unknown[] = [];
  return new Promise<{ error?: unknown; results: unknown[] }>((resolve) => {
    connection.client.subscribe(
      { query, operationName, variables },
      {
        next: (result) => results.push(result),
        error: (error) => resolve({ error, results }),
        complete: () => resolve({ results }),
      },
    );
  });
}

describe('router graphql-ws: operations graphql-js or a cached text could mistake', () => {
  it('a root field under @include with a variable: GRAPHQL_VALIDATION_FAILED, the socket stays open', async () => {
    const connection = live();
    const [error] = await refusal(
      'subscription ($on: Boolean!, $id: ID!) { orderUpdated(id: $id) @include(if: $on) { status } }',
      { on: true, id: randomUUID() },
      connection,
    );
    expect(error!.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(error!.message).toMatch(/\$on/);
    const after = watch(connection, '{ me { displayName } }');
    expect(await after.ended).toEqual({});
    expect(after.results).toEqual([{ data: { me: { displayName: 'Ada Lovelace' } } }]);
  });

  it('a text validated before, sent again naming no operation of it: BAD_USER_INPUT, the socket stays open', async () => {
    const connection = live();
    const query = 'subscription Watch($id: ID!) { orderUpdated(id: $id) { status } }';
    expect((await named(connection, query, 'Watch', { id: randomUUID() })).error).toBeUndefined();
    const { error, results } = await named(connection, query, 'Nope', { id: randomUUID() });
    expect(results).toEqual([]);
    expect((error as Errors).map((e) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
    const after = watch(connection, '{ me { displayName } }');
    expect(await after.ended).toEqual({});
  });

  it('a text validated before, sent again naming its query: run as a query', async () => {
    const connection = live();
    const query = 'subscription Watch($id: ID!) { orderUpdated(id: $id) { status } } query Me { me { displayName } }';
    expect((await named(connection, query, 'Watch', { id: randomUUID() })).error).toBeUndefined();
    expect(await named(connection, query, 'Me')).toEqual({ results: [{ data: { me: { displayName: 'Ada Lovelace' } } }] });
  });
});

describe('router graphql-ws: queries and mutations over the socket', () => {
  it('runs them through the same gateway, with the connection identity and auth directives', async () => {
    const signedIn = watch<{ me: { displayName: string } }>(live(), '{ me { displayName } }');
    expect(await signedIn.ended).toEqual({});
    expect(signedIn.results).toEqual([{ data: { me: { displayName: 'Ada Lovelace' } } }]);

    const anonymous = watch<{ myOrders: unknown }>(live(false), '{ myOrders { edges { node { id } } } }');
    await anonymous.ended;
    expect(anonymous.results[0]!.errors!.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });
});

/** A graphql-ws message for one operation: `payload` is a result (`next`) or errors (`error`). */
type Frame = { type: string; payload?: any };

/** A graphql-ws connection spoken by hand, to send frames in one burst; what came back, by operation id. */
async function rawConnection(url: string, token: string) {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const received = new Map<string, Frame[]>();
  let acknowledged = false;
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { id?: string } & Frame;
    if (message.type === 'connection_ack') acknowledged = true;
    if (message.id) received.set(message.id, [...(received.get(message.id) ?? []), message]);
  });
  await once(socket, 'open');
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  await eventually(() => acknowledged, 'the connection is acknowledged');
  const send = (message: Record<string, unknown>) => socket.send(JSON.stringify(message));
  return {
    subscribe: (id: string, query: string, variables: Record<string, unknown>) =>
      send({ id, type: 'subscribe', payload: { query, variables } }),
    complete: (id: string) => send({ id, type: 'complete' }),
    /** Resolves once the server completed `id`. */
    ended: (id: string) => eventually(() => !!received.get(id)?.some((m) => m.type === 'complete'), `the server completed ${id}`),
    /** Every frame the server sent for `id`, once it ended it (`error` or `complete`). */
    async settled(id: string) {
      const ended = () => received.get(id)?.some((m) => m.type === 'error' || m.type === 'complete') ?? false;
      await eventually(ended, `the server ended ${id}`);
      return received.get(id)!;
    },
    /** How each operation began: `next` (opened) or `error` (refused), once all of `ids` have begun. */
    async outcomes(ids: string[]) {
      await eventually(() => ids.every((id) => received.has(id)), `${ids.length} operations answered`);
      return ids.map((id) => {
        const first = received.get(id)![0]!;
        return first.type === 'error' ? first.payload![0]!.extensions.code : first.type;
      });
    },
    close: () => socket.close(),
  };
}

describe('router graphql-ws: the subscription limit per connection', () => {
  const query = 'subscription ($id: ID!) { documentUpdated(id: $id) { status } }';
  const myDocuments = async () =>
    (
      await graphql<{ me: { documents: { id: string }[] } }>(stack.url, '{ me { documents { id } } }', { token })
    ).body.data!.me.documents.map((d) => d.id);
  const count = (outcomes: string[]) =>
    outcomes.reduce<Record<string, number>>((counts, outcome) => ({ ...counts, [outcome]: (counts[outcome] ?? 0) + 1 }), {});

  it('40 subscribe frames in one burst open exactly 3 (the limit) and refuse 37 with RATE_LIMITED', async () => {
    const documents = await myDocuments();
    const connection = await rawConnection(stack.url, token);
    const ids = Array.from({ length: 40 }, (_, i) => `burst-${i}`);
    ids.forEach((id, i) => connection.subscribe(id, query, { id: documents[i % documents.length] }));
    expect(count(await connection.outcomes(ids))).toEqual({ next: 3, RATE_LIMITED: 37 });
    connection.close();
  });

  it('a slot comes back when a subscription is refused, completed by the client or ended by the server', async () => {
    const documents = await myDocuments();
    const connection = await rawConnection(stack.url, token);
    ['a', 'b'].forEach((id) => connection.subscribe(id, query, { id: documents[0] }));
    expect(await connection.outcomes(['a', 'b'])).toEqual(['next', 'next']);
    // Refused after its frame was counted (its variables are checked once planned): the slot is free again.
    connection.subscribe('no-variables', query, {});
    expect(await connection.outcomes(['no-variables'])).toEqual(['BAD_USER_INPUT']);
    connection.subscribe('c', query, { id: documents[1] });
    connection.subscribe('d', query, { id: documents[1] });
    expect(await connection.outcomes(['c', 'd'])).toEqual(['next', 'RATE_LIMITED']);

    // Completed by the client: the slot is free for the very next frame.
    connection.complete('a');
    connection.subscribe('e', query, { id: randomUUID() }); // no such document: NOT_FOUND, then the server completes it
    expect(await connection.outcomes(['e'])).toEqual(['next']);
    await connection.ended('e');
    // Ended by the server: that slot is back too, and no other.
    ['f', 'g'].forEach((id) => connection.subscribe(id, query, { id: documents[0] }));
    expect(await connection.outcomes(['f', 'g'])).toEqual(['next', 'RATE_LIMITED']);
    connection.close();
  });
});

describe('router graphql-ws: a query or mutation that cannot run is refused before it runs (PROTOCOL.md)', () => {
  /** Sends one operation on a fresh connection and returns every frame the server sent for it. */
  const framesOf = async (query: string, variables: Record<string, unknown> = {}, url = stack.url, as = token) => {
    const connection = await rawConnection(url, as);
    try {
      connection.subscribe('op', query, variables);
      return await connection.settled('op');
    } finally {
      connection.close();
    }
  };
  /** The codes of an `error` frame, the only frame of a refused operation. */
  const refusedWith = async (query: string, variables: Record<string, unknown> = {}) => {
    const frames = await framesOf(query, variables);
    expect(frames.map((f) => f.type)).toEqual(['error']);
    return (frames[0]!.payload as Errors).map((e) => e.extensions.code);
  };

  it('an unknown field: one `error` frame with GRAPHQL_VALIDATION_FAILED — no `next`, no `complete` — and the socket serves on', async () => {
    const connection = await rawConnection(stack.url, token);
    connection.subscribe('bad', '{ me { displayName nope } }', {});
    const [refused] = await connection.settled('bad');
    expect(refused!.type).toBe('error');
    expect(refused!.payload).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/"nope"/), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }),
    ]);
    connection.subscribe('good', '{ me { displayName } }', {});
    expect(await connection.settled('good')).toEqual([
      { id: 'good', type: 'next', payload: { data: { me: { displayName: 'Ada Lovelace' } } } },
      { id: 'good', type: 'complete' },
    ]);
    expect((await connection.settled('bad')).map((f) => f.type)).toEqual(['error']); // and nothing came after it
    connection.close();
  });

  it('a mutation with an unknown argument: GRAPHQL_VALIDATION_FAILED', async () => {
    expect(
      await refusedWith('mutation { login(input: { email: "a@b.dev", password: "x" }, remember: true) { accessToken } }'),
    ).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('a syntax error: GRAPHQL_PARSE_FAILED', async () => {
    expect(await refusedWith('{ me { displayName }')).toEqual(['GRAPHQL_PARSE_FAILED']);
  });

  it('too deep for the document limits: QUERY_TOO_DEEP, as over HTTP', async () => {
    const nest = (levels: number): string =>
      levels === 0 ? 'id' : `buyer { orders { edges { node { ${nest(levels - 1)} } } } }`;
    const query = `{ myOrders { edges { node { ${nest(4)} } } } }`; // 3 + 4 × 4 + 1 = 20 levels, above the limit of 15
    expect(await refusedWith(query)).toEqual(['QUERY_TOO_DEEP']);
    expect((await graphql(stack.url, query, { token })).body.errors?.map((e) => e.extensions?.code)).toEqual(['QUERY_TOO_DEEP']);
  });

  it('a variable of the wrong type, or a required one missing: BAD_USER_INPUT', async () => {
    const products = 'query ($first: Int) { products(first: $first) { edges { cursor } } }';
    expect(await refusedWith(products, { first: 'ten' })).toEqual(['BAD_USER_INPUT']);
    const login = 'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }';
    expect(await refusedWith(login)).toEqual(['BAD_USER_INPUT']);
    expect(await refusedWith(login, { input: { email: 'a@b.dev' } })).toEqual(['BAD_USER_INPUT']);
  });

  it('a valid query with variables: `next` with its data, then `complete`', async () => {
    const frames = await framesOf('query ($first: Int) { products(first: $first) { edges { node { name } } } }', { first: 1 });
    expect(frames).toEqual([
      { id: 'op', type: 'next', payload: { data: { products: { edges: [{ node: { name: 'Schema pen' } }] } } } },
      { id: 'op', type: 'complete' },
    ]);
  });

  describe('in production, with the payments subgraph unreachable', () => {
    let prod: RunningRouter;
    let prodToken: string;
    beforeAll(async () => {
      prod = await startRouter({
        supergraphPath: join(stack.dataDir, 'supergraph.graphql'),
        port: 0,
        production: true,
        maxBodyBytes: 256 * 1024,
        tokens: {
          jwksUrl: `${stack.subgraphs.auth.http.url}/.well-known/jwks.json`,
          issuer: 'meridian-auth',
          audience: 'meridian',
        },
        logger: createLogger('router', 'silent'),
        subgraphUrls: { payments: 'http://127.0.0.1:9/graphql' },
      });
      prodToken = await loginAs(prod.url);
    });
    afterAll(() => prod?.stop());

    it('a subgraph failing during execution: `next` with the partial data and the masked error, then `complete`', async () => {
      const frames = await framesOf(
        '{ me { displayName orders(first: 1) { edges { node { status payment { status } } } } } }',
        {},
        prod.url,
        prodToken,
      );
      expect(frames.map((f) => f.type)).toEqual(['next', 'complete']);
      const { data, errors } = frames[0]!.payload as { data: any; errors: Errors };
      expect(data.me.displayName).toBe('Ada Lovelace');
      expect(data.me.orders.edges[0].node).toEqual({ status: 'PENDING', payment: null });
      expect(errors.map((e) => e.extensions)).toContainEqual({ code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 5 });
      expect(JSON.stringify(errors)).not.toMatch(/stacktrace|ECONNREFUSED|127\.0\.0\.1|at [A-Za-z]+ \(/);
    });

    it('introspection is refused as over HTTP: GRAPHQL_VALIDATION_FAILED in an `error` frame', async () => {
      const frames = await framesOf('{ __schema { types { name } } }', {}, prod.url, prodToken);
      expect(frames.map((f) => f.type)).toEqual(['error']);
      expect(frames[0]!.payload).toEqual([
        {
          message: expect.stringMatching(/introspection/i),
          locations: expect.any(Array),
          extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
        },
      ]);
    });

    it('validation and variable errors carry their code and no hint at the schema', async () => {
      const unknownField = await framesOf('{ me { displayNam } }', {}, prod.url, prodToken);
      const badVariable = await framesOf(
        'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }',
        { input: { emial: 'a@b.dev', password: 'whatever123' } },
        prod.url,
        prodToken,
      );
      for (const [frames, code, names] of [
        [unknownField, 'GRAPHQL_VALIDATION_FAILED', /"displayNam"/],
        [badVariable, 'BAD_USER_INPUT', /"emial"/],
      ] as const) {
        expect(frames.map((f) => f.type)).toEqual(['error']);
        const errors = frames[0]!.payload as Errors;
        expect(errors.map((e) => e.extensions)).toEqual(errors.map(() => ({ code })));
        const messages = errors.map((e) => e.message).join('\n');
        expect(messages).toMatch(names);
        expect(messages).not.toMatch(/Did you mean/);
      }
    });
  });
});
