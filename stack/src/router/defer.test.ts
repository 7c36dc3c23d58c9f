/**
 * `@defer` through the router over the six real subgraphs: the primary payload first, each deferred
 * part as it completes — over HTTP multipart (read raw, and by Apollo Client's own HTTP link) and
 * over graphql-ws — and one complete response for a client that does not take multipart.
 * A gate in front of the payments subgraph holds the deferred fetch, to prove the primary payload
 * does not wait for it.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from '@apollo/client/core';
import { Defer20220824Handler } from '@apollo/client/incremental';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { graphql, loginAs, routerOptionsOn, startTestStack, type TestStack } from '../test-stack.ts';
import { startRouter, type RunningRouter } from '../../../router/src/router.ts';

let stack: TestStack;
let router: RunningRouter;
let token: string;
const gate = paymentsGate();

const deferredOrders = `query Me { me { displayName ... @defer(label: "orders") {
  orders(first: 2) { edges { node { status payment { status } } } } } } }`;
const wholeOrders = `query Me { me { displayName orders(first: 2) { edges { node { status payment { status } } } } } }`;

beforeAll(async () => {
  stack = await startTestStack();
  await gate.start(new URL(stack.subgraphs.payments.http.url));
  router = await startRouter({
    ...routerOptionsOn(stack),
    subgraphUrls: { payments: `${gate.url}/graphql` },
  });
  token = await loginAs(router.url);
});
afterAll(async () => {
  gate.open();
  await router?.stop();
  await gate.stop();
  await stack?.stop();
});

describe('@defer over HTTP multipart', () => {
  it('sends the primary payload at once and the deferred part when its fetches complete', async () => {
    gate.close();
    const expected = (await graphql(stack.url, wholeOrders, { token })).body.data as any;
    const parts = multipartParts(router.url, deferredOrders, token);

    const first = await parts.next();
    expect(first.value).toEqual({ hasNext: true, data: { me: { displayName: expected.me.displayName } } });
    // The deferred part needs payments, which the gate holds: nothing more may have arrived.
    const second = parts.next();
    expect(await Promise.race([second.then(() => 'arrived'), delay(300).then(() => 'held')])).toBe('held');
    expect(gate.held()).toBeGreaterThan(0);

    gate.open();
    expect((await second).value).toEqual({
      hasNext: false,
      incremental: [{ data: { orders: expected.me.orders }, path: ['me'], label: 'orders' }],
    });
    expect((await parts.next()).done).toBe(true);
  });

  it('answers a client that does not take multipart with one complete response', async () => {
    gate.open();
    const whole = await graphql(router.url, wholeOrders, { token });
    const deferred = await graphql(router.url, deferredOrders, { token });
    expect(deferred.headers.get('content-type')).toMatch(/application\/json/);
    expect(deferred.body).toEqual(whole.body);
  });

  it('delivers deferred parts to Apollo Client: first the primary data, then the whole', async () => {
    gate.open();
    const client = new ApolloClient({
      link: ApolloLink.from([new HttpLink({ uri: `${router.url}/graphql`, headers: { authorization: `Bearer ${token}` } })]),
      cache: new InMemoryCache(),
      incrementalHandler: new Defer20220824Handler(),
    });
    const seen: unknown[] = [];
    await new Promise<void>((resolve, reject) => {
      const subscription = client.watchQuery({ query: gql(deferredOrders) }).subscribe({
        next(result) {
          if (!result.data) return;
          seen.push(result.data);
          if ((result.data as any).me?.orders) {
            subscription.unsubscribe();
            resolve();
          }
        },
        error: reject,
      });
    });
    const whole = (await graphql(router.url, wholeOrders, { token })).body.data as any;
    expect(seen[0]).toMatchObject({ me: { displayName: whole.me.displayName } });
    expect((seen[0] as any).me.orders).toBeUndefined();
    expect(seen.at(-1)).toMatchObject(whole);
    client.stop();
  });

  it('puts a failing deferred fetch in the deferred payload, with the primary data intact', async () => {
    const down = await startRouter({ ...routerOptionsOn(stack), subgraphUrls: { payments: 'http://127.0.0.1:9/graphql' } });
    try {
      const parts = [];
      for await (const part of multipartParts(down.url, deferredOrders, token)) parts.push(part);
      expect(parts).toHaveLength(2);
      expect(parts[0]).toMatchObject({ hasNext: true, data: { me: { displayName: expect.any(String) } } });
      const item = parts[1].incremental[0];
      expect(item.path).toEqual(['me']);
      expect(item.data.orders.edges[0].node).toEqual({ status: expect.any(String), payment: null });
      expect(item.errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
    } finally {
      await down.stop();
    }
  });
});

describe('@defer and authorization', () => {
  it('a denied field in a deferred fragment is null with its error; the deferred part leaks nothing', async () => {
    gate.open();
    const parts = [];
    for await (const part of multipartParts(
      router.url,
      '{ products(first: 1) { edges { node { name } } } ... @defer(label: "mine") { order(id: "00000000-0000-4000-8000-000000000000") { status } } }',
    ))
      parts.push(part);
    expect(parts[0]).toMatchObject({
      hasNext: true,
      data: { products: { edges: [{ node: { name: expect.any(String) } }] }, order: null },
    });
    expect(parts[0].errors.map((e: any) => [e.path, e.extensions.code])).toEqual([[['order'], 'UNAUTHENTICATED']]);
    expect(JSON.stringify(parts)).not.toContain('meridianRemovedFields');
    expect(parts.at(-1).hasNext).toBe(false);
  });
});

describe('@defer over graphql-ws', () => {
  it('sends the primary payload and each deferred part as successive next messages', async () => {
    gate.open();
    const client = createClient({
      url: `${router.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    try {
      const messages: any[] = [];
      for await (const message of client.iterate({ query: deferredOrders })) messages.push(message);
      const whole = (await graphql(router.url, wholeOrders, { token })).body.data as any;
      expect(messages).toEqual([
        { hasNext: true, data: { me: { displayName: whole.me.displayName } } },
        { hasNext: false, incremental: [{ data: { orders: whole.me.orders }, path: ['me'], label: 'orders' }] },
      ]);
    } finally {
      await client.dispose();
    }
  });
});

/** Reads a multipart/mixed (deferSpec=20220824) answer part by part, as it streams. */
async function* multipartParts(url: string, query: string, bearer?: string): AsyncGenerator<any> {
  const response = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
    const req = httpRequest(`${url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'multipart/mixed;deferSpec=20220824, application/json',
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      },
    });
    req.on('response', resolve).on('error', reject);
    req.end(JSON.stringify({ query }));
  });
  expect(response.headers['content-type']).toMatch(/^multipart\/mixed; boundary="-"; deferSpec=20220824/);
  let buffer = '';
  for await (const chunk of response) {
    buffer += chunk.toString();
    for (;;) {
      const start = buffer.indexOf('\r\n\r\n');
      const end = buffer.indexOf('\r\n---', start);
      if (start < 0 || end < 0) break;
      yield JSON.parse(buffer.slice(start + 4, end));
      buffer = buffer.slice(end + 5);
    }
  }
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An HTTP proxy in front of the payments subgraph that can hold requests until opened. */
function paymentsGate() {
  let server: Server | undefined;
  let target: URL;
  let closed = false;
  const waiting: (() => void)[] = [];
  return {
    url: '',
    async start(to: URL) {
      target = to;
      server = createServer((req, res) => {
        const forward = () => {
          const upstream = httpRequest(
            { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
            (answer) => {
              res.writeHead(answer.statusCode ?? 502, answer.headers);
              answer.pipe(res);
            },
          );
          req.pipe(upstream);
        };
        if (closed) waiting.push(forward);
        else forward();
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close() {
      closed = true;
    },
    open() {
      closed = false;
      waiting.splice(0).forEach((forward) => forward());
    },
    held: () => waiting.length,
    async stop() {
      server?.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve));
    },
  };
}
