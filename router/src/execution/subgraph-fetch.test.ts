/**
 * The fetch layer against a real node:http server that counts requests and connections and can be
 * told to delay, hang, reset, or answer something that is not GraphQL.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '#kit/testing';
import { freePort } from '#kit/fault-injection';
import {
  connectRetryDelayMs,
  createSubgraphClient,
  SubgraphFetchError,
  type ForwardedIdentity,
  type SubgraphClient,
  type SubgraphClientOptions,
  type SubgraphRequestInfo,
} from './subgraph-fetch.ts';

type Behaviour = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A GraphQL answer of a few KB with nested objects, so copies can be told apart. */
const products = Array.from({ length: 50 }, (_, i) => ({ id: `p${i}`, name: `Product ${i}`, price: { amount: i } }));
const answer = (res: ServerResponse, status = 200, payload: unknown = { data: { products } }) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(payload));
};

const seen: { headers: IncomingHttpHeaders; url: string; body: string; socket: Socket }[] = [];
const sockets = new Set<Socket>();
let connections = 0;
let behaviour: Behaviour = (_req, res) => answer(res);
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    seen.push({ headers: req.headers, url: req.url ?? '', body, socket: req.socket });
    behaviour(req, res, body);
  });
});
server.on('connection', (socket: Socket) => {
  connections++;
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
});
let url = '';
const clients: SubgraphClient[] = [];

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});

afterEach(async () => {
  for (const socket of sockets) socket.destroy(); // hung answers of the last test
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await eventually(() => sockets.size === 0, "the last test's sockets are closed");
  behaviour = (_req, res) => answer(res);
  seen.length = 0;
  connections = 0;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function client(options: Partial<SubgraphClientOptions> = {}) {
  const created = createSubgraphClient({ name: 'products', url, timeoutMs: 2_000, dedup: true, ...options });
  clients.push(created);
  return created;
}

const query = JSON.stringify({ query: '{ products { id name price { amount } } }', operationName: null, variables: {} });
const alice: ForwardedIdentity = { authorization: 'Bearer alice', clientAddress: '10.0.0.1', correlationId: 'c-1' };
const asQuery = (identity: ForwardedIdentity) => ({ mutation: false, identity });
const after = (ms: number, then: () => void) => setTimeout(then, ms);
/** Holds every answer for 50 ms so that concurrent fetches are truly in flight together. */
const slowly: Behaviour = (_req, res) => after(50, () => answer(res));

async function failureOf(promise: Promise<unknown>): Promise<SubgraphFetchError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the fetch to fail');
    },
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(SubgraphFetchError);
  return error as SubgraphFetchError;
}

describe('in-flight deduplication', () => {
  it('identical concurrent query fetches share one upstream request', async () => {
    behaviour = slowly;
    const requests: SubgraphRequestInfo[] = [];
    const products = client({ onRequest: (info) => requests.push(info) });
    const answers = await Promise.all(Array.from({ length: 10 }, () => products.fetch(query, asQuery(alice))));
    expect(seen).toHaveLength(1);
    for (const response of answers) expect(response.data?.products).toHaveLength(50);
    expect(requests.filter((info) => info.shared)).toHaveLength(9);
    expect(requests.every((info) => info.outcome === 'ok' && info.subgraph === 'products')).toBe(true);
  });

  it('every caller gets its own object: mutating one answer leaves the others intact', async () => {
    behaviour = slowly;
    const products = client();
    const [first, second, third] = await Promise.all([1, 2, 3].map(() => products.fetch(query, asQuery(alice))));
    expect(seen).toHaveLength(1);
    const list = (response: typeof first) => response!.data!.products as { name: string; price: object }[];
    expect(list(first)).not.toBe(list(second));
    expect(list(first)[0]!.price).not.toBe(list(second)[0]!.price);
    list(first)[0]!.name = 'changed by the executor';
    delete first!.data!.products;
    expect(list(second)[0]!.name).toBe('Product 0');
    expect(list(third)[0]!.name).toBe('Product 0');
  });

  it('never shares across identities: another authorization or another client address is another request', async () => {
    behaviour = slowly;
    const products = client();
    const identities: ForwardedIdentity[] = [
      alice,
      { ...alice, authorization: 'Bearer bob' },
      { ...alice, clientAddress: '10.0.0.2' },
      { correlationId: 'c-1' }, // anonymous
    ];
    const answers = await Promise.all(identities.map((identity) => products.fetch(query, asQuery(identity))));
    expect(answers).toHaveLength(4);
    expect(seen).toHaveLength(4);
    const forwarded = seen.map(({ headers }) => [headers.authorization, headers['x-forwarded-for']]);
    expect(forwarded).toEqual(
      expect.arrayContaining([
        ['Bearer alice', '10.0.0.1'],
        ['Bearer bob', '10.0.0.1'],
        ['Bearer alice', '10.0.0.2'],
        [undefined, undefined],
      ]),
    );
  });

  it('the same identity with another correlation id shares the request (it carries the first one)', async () => {
    behaviour = slowly;
    const products = client();
    await Promise.all([
      products.fetch(query, asQuery(alice)),
      products.fetch(query, asQuery({ ...alice, correlationId: 'c-2' })),
    ]);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers['x-correlation-id']).toBe('c-1');
  });

  it('different bodies are different requests', async () => {
    behaviour = slowly;
    const products = client();
    const other = JSON.stringify({ query: '{ products { id } }', operationName: null, variables: {} });
    await Promise.all([products.fetch(query, asQuery(alice)), products.fetch(other, asQuery(alice))]);
    expect(seen.map(({ body }) => body).sort()).toEqual([query, other].sort());
  });

  it('mutations are never shared', async () => {
    behaviour = slowly;
    const products = client();
    const mutation = JSON.stringify({ query: 'mutation { restock(id: "p1") }', operationName: null, variables: {} });
    await Promise.all([1, 2, 3].map(() => products.fetch(mutation, { mutation: true, identity: alice })));
    expect(seen).toHaveLength(3);
  });

  it('only requests in flight are shared: sequential identical fetches each go upstream', async () => {
    const products = client();
    await products.fetch(query, asQuery(alice));
    await products.fetch(query, asQuery(alice));
    expect(seen).toHaveLength(2);
  });

  it('with dedup off, identical concurrent fetches each go upstream', async () => {
    behaviour = slowly;
    const requests: SubgraphRequestInfo[] = [];
    const products = client({ dedup: false, onRequest: (info) => requests.push(info) });
    await Promise.all(Array.from({ length: 5 }, () => products.fetch(query, asQuery(alice))));
    expect(seen).toHaveLength(5);
    expect(requests.some((info) => info.shared)).toBe(false);
  });

  it('a failure is shared too: every waiter gets the error of the one request', async () => {
    behaviour = (_req, res) =>
      after(50, () => {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html><body>Bad Gateway</body></html>');
      });
    const products = client();
    const failures = await Promise.all([1, 2, 3].map(() => failureOf(products.fetch(query, asQuery(alice)))));
    expect(seen).toHaveLength(1);
    for (const error of failures) expect([error.code, error.status]).toEqual(['SUBGRAPH_BAD_RESPONSE', 502]);
  });
});

describe('timeouts', () => {
  it('a subgraph that never answers fails with SUBGRAPH_TIMEOUT at the deadline, and its socket is closed', async () => {
    behaviour = () => undefined; // hangs
    const requests: SubgraphRequestInfo[] = [];
    const payments = client({ name: 'payments', timeoutMs: 300, onRequest: (info) => requests.push(info) });
    const started = performance.now();
    const error = await failureOf(payments.fetch(query, asQuery(alice)));
    const elapsed = performance.now() - started;
    expect(error.code).toBe('SUBGRAPH_TIMEOUT');
    expect(error.subgraph).toBe('payments');
    expect(error.message).toBe('Subgraph "payments" did not answer within 300 ms');
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1_000);
    expect(requests).toMatchObject([{ subgraph: 'payments', outcome: 'SUBGRAPH_TIMEOUT', shared: false }]);
    // The server never ends this exchange: only the client can have closed the socket.
    await eventually(() => seen[0]!.socket.destroyed, 'the server sees the socket closed', 1_000, 10);
  });

  it('the deadline covers the body: headers on time, then a body that stalls, is a timeout', async () => {
    behaviour = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data":{"products":['); // and nothing more
    };
    const products = client({ timeoutMs: 300 });
    const error = await failureOf(products.fetch(query, asQuery(alice)));
    expect(error.code).toBe('SUBGRAPH_TIMEOUT');
    await eventually(() => seen[0]!.socket.destroyed, 'the server sees the socket closed', 1_000, 10);
  });

  it('a fetch queued behind busy connections still fails at its own deadline', async () => {
    behaviour = () => undefined;
    const products = client({ timeoutMs: 300, connections: 1, dedup: false });
    const started = performance.now();
    const failures = await Promise.all([1, 2, 3].map(() => failureOf(products.fetch(query, asQuery(alice)))));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(failures.map((error) => error.code)).toEqual(['SUBGRAPH_TIMEOUT', 'SUBGRAPH_TIMEOUT', 'SUBGRAPH_TIMEOUT']);
    // The queued ones were abandoned before they were sent.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen).toHaveLength(1);
  });

  it('a slow answer within the deadline is returned', async () => {
    behaviour = (_req, res) => after(100, () => answer(res));
    const response = await client({ timeoutMs: 1_000 }).fetch(query, asQuery(alice));
    expect(response.data?.products).toHaveLength(50);
  });
});

describe('failures', () => {
  it('a refused connection is SUBGRAPH_UNREACHABLE', async () => {
    const port = await freePort(); // nothing listens there
    const users = client({ name: 'users', url: `http://127.0.0.1:${port}/graphql` });
    const error = await failureOf(users.fetch(query, asQuery(alice)));
    expect(error.code).toBe('SUBGRAPH_UNREACHABLE');
    expect(error.message).toMatch(/^Subgraph "users" could not be reached: .*ECONNREFUSED/);
  });

  it('a connection reset before the answer is SUBGRAPH_UNREACHABLE', async () => {
    behaviour = (req) => req.socket.destroy();
    const error = await failureOf(client().fetch(query, asQuery(alice)));
    expect(error.code).toBe('SUBGRAPH_UNREACHABLE');
  });

  it('an HTML 502 is SUBGRAPH_BAD_RESPONSE with the status', async () => {
    behaviour = (_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
    };
    const error = await failureOf(client().fetch(query, asQuery(alice)));
    expect([error.code, error.status, error.subgraph]).toEqual(['SUBGRAPH_BAD_RESPONSE', 502, 'products']);
    expect(error.message).toBe('Subgraph "products" answered HTTP 502 with a body that is not JSON (text/html)');
  });

  it('invalid JSON, JSON that is not a GraphQL response, and bytes that are not HTTP are SUBGRAPH_BAD_RESPONSE', async () => {
    const products = client();
    behaviour = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"data": {"products": [');
    };
    expect(await failureOf(products.fetch(query, asQuery(alice)))).toMatchObject({ code: 'SUBGRAPH_BAD_RESPONSE', status: 200 });
    behaviour = (_req, res) => answer(res, 200, { message: 'ok' });
    expect(await failureOf(products.fetch(query, asQuery(alice)))).toMatchObject({ code: 'SUBGRAPH_BAD_RESPONSE', status: 200 });
    behaviour = (_req, res) => answer(res, 200, { data: [1, 2] });
    expect(await failureOf(products.fetch(query, asQuery(alice)))).toMatchObject({ code: 'SUBGRAPH_BAD_RESPONSE' });
    behaviour = (req) => req.socket.end('SSH-2.0-OpenSSH_9.2\r\n\r\n');
    expect(await failureOf(products.fetch(query, asQuery(alice)))).toMatchObject({ code: 'SUBGRAPH_BAD_RESPONSE' });
  });

  it('a 400 carrying GraphQL errors is a response, not a failure', async () => {
    const errors = [{ message: 'Cannot query field "nope" on type "Query".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }];
    behaviour = (_req, res) => answer(res, 400, { errors });
    const response = await client().fetch(query, asQuery(alice));
    expect(response).toEqual({ errors });
  });

  it('partial data with errors is returned as it came', async () => {
    const payload = { data: { products: null }, errors: [{ message: 'boom', path: ['products'] }], extensions: { cost: 3 } };
    behaviour = (_req, res) => answer(res, 200, payload);
    expect(await client().fetch(query, asQuery(alice))).toEqual(payload);
  });
});

describe('a connection that fails', () => {
  const mutation = JSON.stringify({ query: 'mutation { placeOrder { id } }', operationName: null, variables: {} });
  const asMutation = (identity: ForwardedIdentity) => ({ mutation: true, identity });
  const resetEveryConnection: Behaviour = (req) => req.socket.destroy();

  it('is tried once more for a query (two requests reach the subgraph), after a short pause', async () => {
    behaviour = resetEveryConnection;
    const started = performance.now();
    const error = await failureOf(client().fetch(query, asQuery(alice)));
    expect(error.code).toBe('SUBGRAPH_UNREACHABLE');
    expect(seen).toHaveLength(2);
    expect(connections).toBe(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(connectRetryDelayMs - 5);
  });

  it('the second try of a query can succeed: the caller gets the answer', async () => {
    let calls = 0;
    behaviour = (req, res) => (calls++ === 0 ? req.socket.destroy() : answer(res));
    const response = await client().fetch(query, asQuery(alice));
    expect(response.data?.products).toHaveLength(50);
    expect(seen).toHaveLength(2);
  });

  it('is never tried again for a mutation: it may have reached the subgraph', async () => {
    behaviour = resetEveryConnection;
    const error = await failureOf(client().fetch(mutation, asMutation(alice)));
    expect(error.code).toBe('SUBGRAPH_UNREACHABLE');
    expect(seen).toHaveLength(1);
    expect(connections).toBe(1);
  });

  it('a refused query is tried again (it takes the pause), a refused mutation is not', async () => {
    const port = await freePort(); // nothing listens there
    const users = client({ name: 'users', url: `http://127.0.0.1:${port}/graphql` });
    let started = performance.now();
    expect((await failureOf(users.fetch(query, asQuery(alice)))).code).toBe('SUBGRAPH_UNREACHABLE');
    expect(performance.now() - started).toBeGreaterThanOrEqual(connectRetryDelayMs - 5);
    started = performance.now();
    expect((await failureOf(users.fetch(mutation, asMutation(alice)))).code).toBe('SUBGRAPH_UNREACHABLE');
    expect(performance.now() - started).toBeLessThan(connectRetryDelayMs);
  });

  it('a query that timed out is not sent again', async () => {
    behaviour = () => undefined; // never answers
    const error = await failureOf(client({ timeoutMs: 150 }).fetch(query, asQuery(alice)));
    expect(error.code).toBe('SUBGRAPH_TIMEOUT');
    await new Promise((resolve) => setTimeout(resolve, connectRetryDelayMs * 2));
    expect(seen).toHaveLength(1);
  });

  it('a query whose answer had started is not sent again', async () => {
    behaviour = (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"data":');
      setTimeout(() => req.socket.destroy(), 10);
    };
    const error = await failureOf(client().fetch(query, asQuery(alice)));
    expect(error.code).not.toBe('SUBGRAPH_TIMEOUT');
    expect(seen).toHaveLength(1);
  });
});

describe('the wire', () => {
  it('forwards the identity headers exactly, posts the body as given to the URL path', async () => {
    const identity = { authorization: 'Bearer eyJhbGciOi.x.y', correlationId: 'req-42', clientAddress: '203.0.113.9' };
    await client({ url: `${url}?tenant=a` }).fetch(query, asQuery(identity));
    expect(seen).toHaveLength(1);
    const [{ headers, url: path, body }] = seen as [(typeof seen)[number]];
    expect(path).toBe('/graphql?tenant=a');
    expect(body).toBe(query);
    expect(headers).toMatchObject({
      authorization: 'Bearer eyJhbGciOi.x.y',
      'x-correlation-id': 'req-42',
      'x-forwarded-for': '203.0.113.9',
      'content-type': 'application/json',
      accept: 'application/json',
      'content-length': String(Buffer.byteLength(query)),
    });
  });

  it('sends no identity headers it was not given', async () => {
    await client().fetch(query, asQuery({}));
    const { headers } = seen[0]!;
    expect(headers.authorization).toBeUndefined();
    expect(headers['x-correlation-id']).toBeUndefined();
    expect(headers['x-forwarded-for']).toBeUndefined();
  });

  it('keeps connections alive: 100 sequential fetches reuse a socket, bursts stay under the cap', async () => {
    const products = client({ dedup: false, connections: 4 });
    for (let i = 0; i < 100; i++) await products.fetch(query, asQuery(alice));
    expect(seen).toHaveLength(100);
    // The second fetch may open a second socket (undici frees a new connection a tick after its
    // first answer); from then on they are reused.
    expect(connections).toBeLessThanOrEqual(2);
    behaviour = (_req, res) => after(5, () => answer(res));
    for (let burst = 0; burst < 5; burst++) {
      await Promise.all(Array.from({ length: 20 }, () => products.fetch(query, asQuery(alice))));
    }
    expect(seen).toHaveLength(200);
    expect(connections).toBeLessThanOrEqual(4);
  });
});
