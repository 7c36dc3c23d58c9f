/**
 * Demand control at the router, over the six real subgraphs (composed in this process, on the
 * machine's PostgreSQL): cost refusals with the estimate, the README's queries served, root-field and
 * directive bounds, the same refusals over graphql-ws, and the estimate in metrics and responses.
 */
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventually } from '#kit/testing';
import { graphql, loginAs, meQuery, productsQuery, startTestStack, type TestStack } from '../test-stack.ts';
import { type RouterOptions, type RunningRouter } from '../../../router/src/router.ts';

let stack: TestStack;
let token: string;
const routers: RunningRouter[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  token = await loginAs(stack.url);
});
afterAll(async () => {
  await stack?.stop();
});

/** A router on the same subgraphs, with some options changed. */
async function routerWith(options: Partial<RouterOptions>): Promise<string> {
  const router = await stack.anotherRouter(options);
  routers.push(router);
  return router.url;
}

const repeat = (count: number, text: (i: number) => string) => Array.from({ length: count }, (_, i) => text(i)).join(' ');
/** The issue's hostile request: 2,000 aliases × `products(first: 50)`, anonymous. */
const hostile = `{ ${repeat(2_000, (i) => `p${i}: products(first: 50) { edges { node { id name } } }`)} }`;
/** Where a router started by `routerWith` serves `/metrics` (its admin port). */
const adminOf = (url: string) => routers.find((router) => router.url === url)!.adminUrl;
const codesOf = (body: { errors?: { extensions?: Record<string, unknown> }[] }) => body.errors?.map((e) => e.extensions?.code);

describe('demand control: refusals', () => {
  it("the issue's 2,000 × products(first: 50), anonymous, is refused in milliseconds by the document limits", async () => {
    const started = performance.now();
    const result = await graphql(stack.url, hostile);
    const ms = performance.now() - started;
    expect(result.status).toBe(400);
    expect(codesOf(result.body)).toEqual(['GRAPHQL_PARSE_FAILED']); // 24,000 tokens: the parser stops at 5,000
    // It took 6 s of CPU when it was answered; refused, it is the time to read 130 KB.
    expect(ms).toBeLessThan(500);
  });

  it('with the document limits raised out of the way, its estimated cost refuses it, with the estimate, before any planning', async () => {
    const url = await routerWith({
      limits: { maxTokens: 100_000, maxSelections: 100_000, maxAliases: 10_000, maxRootFields: 10_000 },
    });
    const started = performance.now();
    const result = await graphql(url, hostile);
    const ms = performance.now() - started;
    expect(result.status).toBe(400);
    expect(result.body.errors).toEqual([
      {
        message:
          "The operation's estimated cost is 202000; the limit is 5000. Ask for smaller pages (first), fewer nested lists or fewer fields, or split it.",
        // (and, in development, the stack trace)
        extensions: expect.objectContaining({
          code: 'COST_ESTIMATED_TOO_EXPENSIVE',
          cost: { estimated: 2_000 * (1 + 50 * 2), max: 5_000 },
        }),
      },
    ]);
    // Nothing was planned nor fetched: the time (~0.6 s on a cold router here) is graphql-js parsing
    // and validating 2,000 root fields, which the default limits refuse before (previous test).
    expect(ms).toBeLessThan(3_000);
    const metrics = await (await fetch(`${adminOf(url)}/metrics`)).text();
    expect(metrics).not.toMatch(/meridian_router_subgraph_request_duration_seconds_count/);
    expect(metrics).toMatch(/meridian_router_operation_estimated_cost_sum\{refused="true"\} 202000\n/);
  });

  it('100 × reprocessDocument in one mutation: over the root-field limit, and over the cost when that is raised', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    const mutation = `mutation { ${repeat(100, (i) => `r${i}: reprocessDocument(id: "${id}") { id }`)} }`;
    const refused = await graphql(stack.url, mutation, { token });
    expect(refused.status).toBe(400);
    expect(refused.body.errors?.map((e) => e.message)).toContain(
      'The operation has more than 20 root fields once its fragments are expanded; the limit is 20. Ask for less, or split it.',
    );
    expect(codesOf(refused.body)).toEqual(['QUERY_TOO_COMPLEX', 'QUERY_TOO_COMPLEX']); // aliases, root fields
    const url = await routerWith({ limits: { maxAliases: 1_000, maxRootFields: 1_000 } });
    const expensive = await graphql(url, mutation, { token });
    expect(codesOf(expensive.body)).toEqual(['COST_ESTIMATED_TOO_EXPENSIVE']);
    expect(expensive.body.errors?.[0]?.extensions?.cost).toEqual({ estimated: 100 * (10 + 100), max: 5_000 });
  });

  it('more directives than ROUTER_MAX_DIRECTIVES (50): QUERY_TOO_COMPLEX', async () => {
    const result = await graphql(stack.url, `{ __typename ${repeat(51, () => '@skip(if: false)')} }`);
    expect(result.status).toBe(400);
    expect(result.body.errors?.map((e) => e.message)).toEqual([
      'The operation has more than 50 directives once its fragments are expanded; the limit is 50. Ask for less, or split it.',
    ]);
  });

  it('the refusal reaches production clients as it is (the code and the estimate pass the error mask)', async () => {
    const url = await routerWith({ production: true, cost: { maxCost: 100 } });
    const result = await graphql(url, '{ products(first: 100) { edges { node { id } } } }');
    expect(result.body.errors).toEqual([
      expect.objectContaining({
        extensions: { code: 'COST_ESTIMATED_TOO_EXPENSIVE', cost: { estimated: 201, max: 100 } },
      }),
    ]);
  });
});

describe('demand control: what stays inside it', () => {
  it("serves the README's Sandbox queries with the defaults", async () => {
    expect((await graphql(stack.url, productsQuery)).body.errors).toBeUndefined();
    expect((await graphql(stack.url, meQuery, { token })).body.errors).toBeUndefined();
    const largestPage = '{ products(first: 100) { edges { node { id name price { amount currency } available } } } }';
    expect((await graphql(stack.url, largestPage)).body.errors).toBeUndefined();
  });

  it('in development, responses carry the estimate and the actual cost of the data returned', async () => {
    const url = await routerWith({ cost: { report: true } });
    const costOf = (body: object) => (body as { extensions?: { cost?: { estimated: number; actual: number } } }).extensions?.cost;
    const result = await graphql(url, productsQuery);
    // products 1 + 3 edges × (edge, node, price): the demo catalogue has more than 3 products.
    expect(costOf(result.body)).toEqual({ estimated: 10, actual: 10 });
    const small = await graphql(url, '{ products(first: 50) { edges { node { name } } } }');
    const { estimated, actual } = costOf(small.body)!;
    expect(estimated).toBe(101);
    expect(actual).toBeLessThan(estimated); // the catalogue has fewer than 50 products
  });

  it('every estimate is in /metrics, refused or not', async () => {
    const url = await routerWith({ cost: { maxCost: 5 } });
    await graphql(url, productsQuery);
    await graphql(url, '{ me { id } }');
    const metrics = await (await fetch(`${adminOf(url)}/metrics`)).text();
    expect(metrics).toMatch(/meridian_router_operation_estimated_cost_count\{refused="true"\} 1\n/);
    expect(metrics).toMatch(/meridian_router_operation_estimated_cost_count\{refused="false"\} 1\n/);
    expect(metrics).toMatch(/meridian_router_operation_estimated_cost_sum\{refused="true"\} 10\n/);
  });
});

type Frame = { id?: string; type: string; payload?: any };

/** A graphql-ws connection that keeps every frame by operation id. */
async function wsConnection(url: string) {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const received = new Map<string, Frame[]>();
  let acknowledged = false;
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as Frame;
    if (message.type === 'connection_ack') acknowledged = true;
    if (message.id) received.set(message.id, [...(received.get(message.id) ?? []), message]);
  });
  await once(socket, 'open');
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  await eventually(() => acknowledged, 'the connection is acknowledged');
  return {
    async run(id: string, query: string) {
      socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query } }));
      const ended = () => received.get(id)?.some((m) => m.type === 'error' || m.type === 'complete') ?? false;
      await eventually(ended, `the server ended ${id}`);
      return received.get(id)!;
    },
    close: () => socket.close(),
  };
}

describe('demand control over graphql-ws', () => {
  it('refuses queries and subscriptions over the limit with an `error` message, and serves the rest on the same socket', async () => {
    const url = await routerWith({ cost: { maxCost: 20 } });
    const connection = await wsConnection(url);
    try {
      const query = await connection.run('q', '{ products(first: 100) { edges { node { id } } } }');
      expect(query).toEqual([
        {
          id: 'q',
          type: 'error',
          payload: [
            expect.objectContaining({
              extensions: expect.objectContaining({ code: 'COST_ESTIMATED_TOO_EXPENSIVE', cost: { estimated: 201, max: 20 } }),
            }),
          ],
        },
      ]);
      // orderUpdated 1 + history 8 × 1 + items 10 × (1 + product 1)
      const subscription = await connection.run(
        's',
        'subscription { orderUpdated(id: "00000000-0000-4000-8000-000000000000") { history { status } items { product { name } } } }',
      );
      expect(subscription.map((f) => [f.type, f.payload?.[0]?.extensions?.cost])).toEqual([
        ['error', { estimated: 29, max: 20 }],
      ]);
      const served = await connection.run('ok', '{ products(first: 3) { edges { cursor } } }');
      expect(served.map((f) => f.type)).toEqual(['next', 'complete']);
    } finally {
      connection.close();
    }
  });
});
