/**
 * Federated subscriptions end to end, in services mode: every subgraph, the document worker and TWO
 * routers run as separate processes on the real PostgreSQL and Redis, with a second orders replica
 * behind the second router. Clients are real graphql-ws clients.
 *
 * To watch an order from `PENDING` on, inventory is paused (SIGSTOP) while the order is placed and
 * the client subscribes, then resumed (SIGCONT); the saga then runs as usual.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminPortOf } from '#kit/config';
import { subgraphNames } from './topology.ts';
import { eventually, putUpload, type PresignedUploadAnswer } from '#kit/testing';
import { demoProducts } from './demo-data.ts';
import { connectLive, metricsOf, openSubscriptions, watch, type LiveConnection, type Watch } from '#kit/live-client';
import { createProcessGroup, type ServiceProcess } from '#kit/process-group';
import {
  graphql,
  loginAs,
  mintAccessTokens,
  placeOrder,
  prepareServicesFixture,
  servicePorts,
  type ServicesFixture,
} from './test-stack.ts';

const basePort = 26_000 + Math.floor(Math.random() * 300) * 10;
const ports = { ...servicePorts(basePort), ordersB: basePort + 8, routerB: basePort + 9 };
const at = (port: number) => `http://127.0.0.1:${port}`;
const routerA = at(ports.router);
const routerB = at(ports.routerB);
let fixture: ServicesFixture;
let group: ReturnType<typeof createProcessGroup>;
const services = {} as Record<'inventory' | 'payments' | 'worker' | 'routerB' | 'ordersB', ServiceProcess>;
const connections: LiveConnection[] = [];
/** Ada's access token: one login (scrypt) for every test that acts as her. */
let token: string;

const health = (port: number) => `${at(port)}/health`;
const startOrdersB = () =>
  group.start('orders-b', 'subgraphs/orders/src/main.ts', {
    env: { ORDERS_PORT: String(ports.ordersB) },
    healthUrl: health(ports.ordersB),
  });
const live = (url: string, token?: string) => {
  const connection = connectLive(url, { token });
  connections.push(connection);
  return connection;
};

beforeAll(async () => {
  fixture = await prepareServicesFixture({ namespace: `test-live-${basePort}`, basePort });
  group = createProcessGroup(fixture.env);
  await group.start('auth', 'subgraphs/auth/src/main.ts', { healthUrl: health(ports.auth) }).healthy();
  const started = subgraphNames
    .filter((name) => name !== 'auth')
    .map((name) => group.start(name, `subgraphs/${name}/src/main.ts`, { healthUrl: health(ports[name]) }));
  services.inventory = started.find((s) => s.name === 'inventory')!;
  services.payments = started.find((s) => s.name === 'payments')!;
  services.ordersB = startOrdersB();
  services.worker = group.start('worker', 'subgraphs/documents/src/worker.ts', { healthUrl: health(ports.worker) });
  await Promise.all([...started, services.ordersB, services.worker].map((s) => s.healthy(90_000)));
  const routers = [
    group.start('router-a', 'router/src/main.ts', { args: ['--port', String(ports.router)], healthUrl: `${routerA}/health` }),
    // Router B reaches orders through the second replica: events reach it through Redis pub/sub.
    (services.routerB = group.start('router-b', 'router/src/main.ts', {
      args: ['--port', String(ports.routerB)],
      env: { ORDERS_URL: `${at(ports.ordersB)}/graphql` },
      healthUrl: `${routerB}/health`,
    })),
  ];
  await Promise.all(routers.map((r) => r.healthy(60_000)));
  token = await loginAs(routerA);
}, 180_000);

afterAll(async () => {
  await Promise.all(connections.map((c) => c.dispose().catch(() => {})));
  services.inventory?.child.kill('SIGCONT');
  await group?.stopAll();
  await fixture?.stop();
}, 60_000);

const orderUpdated = `subscription ($id: ID!) {
  orderUpdated(id: $id) {
    status cancelReason
    history { status at }
    buyer { displayName }
    items { quantity product { name } }
    payment { status }
  }
}`;

interface OrderEvent {
  orderUpdated: {
    status: string;
    cancelReason: string | null;
    history: { status: string; at: string }[];
    buyer: { displayName: string };
    items: { quantity: number; product: { name: string } }[];
    payment: { status: string } | null;
  };
}

const hoodie = demoProducts.find((p) => p.name === 'Resolver hoodie')!.id;
/** Places an order of one Resolver hoodie through router A; returns its id. */
const order = async (token: string, paymentMethod: string) =>
  (await placeOrder(routerA, token, { productId: hoodie, paymentMethod })).id;

/**
 * Places an order with inventory paused, so it stays PENDING; `watching` subscribes to it. Inventory
 * resumes once the orders replicas hold the new upstream subscriptions (their first event, the
 * PENDING order, is then on its way; its product names wait for inventory like everything else).
 */
async function withPausedOrder(token: string, paymentMethod: string, watching: (id: string) => number) {
  const before = [await subgraphSubscriptions(ports.orders), await subgraphSubscriptions(ports.ordersB)];
  services.inventory.child.kill('SIGSTOP');
  try {
    const id = await order(token, paymentMethod);
    const expected = watching(id);
    await eventually(async () => {
      const now = [await subgraphSubscriptions(ports.orders), await subgraphSubscriptions(ports.ordersB)];
      return now[0]! + now[1]! - before[0]! - before[1]! >= expected;
    }, 'the orders replicas hold the new subscriptions');
  } finally {
    services.inventory.child.kill('SIGCONT');
  }
}

const statuses = (results: { data?: OrderEvent | null }[]) => results.map((r) => r.data?.orderUpdated.status);
const routerFigure = async (metric: string) => (await metricsOf(at(adminPortOf(ports.router)))).get(metric) ?? NaN;
const subgraphSubscriptions = (port: number) => openSubscriptions(at(port));

describe('federated subscriptions through the router (services mode)', () => {
  it('an order from PENDING to CONFIRMED, each event with the fields of four subgraphs — on either router', async () => {
    let onA!: Watch<OrderEvent>;
    let onB!: Watch<OrderEvent>;
    await withPausedOrder(token, 'tok_visa', (id) => {
      onA = watch<OrderEvent>(live(routerA, token), orderUpdated, { id });
      onB = watch<OrderEvent>(live(routerB, token), orderUpdated, { id });
      return 2;
    });
    expect(await onA.ended).toEqual({});
    expect(await onB.ended).toEqual({});

    for (const watched of [onA, onB]) {
      expect(statuses(watched.results)).toEqual(['PENDING', 'RESERVED', 'PAID', 'CONFIRMED']);
      for (const result of watched.results) {
        expect(result.errors).toBeUndefined();
        expect(result.data!.orderUpdated.buyer).toEqual({ displayName: 'Ada Lovelace' });
        expect(result.data!.orderUpdated.items).toEqual([{ quantity: 1, product: { name: 'Resolver hoodie' } }]);
        // The history as it stood at this move, never a later one.
        expect(result.data!.orderUpdated.history.at(-1)?.status).toBe(result.data!.orderUpdated.status);
      }
      const [pending, , paid, confirmed] = watched.results.map((r) => r.data!.orderUpdated);
      expect(pending!.payment).toBeNull();
      expect(paid!.payment).toEqual({ status: 'SUCCEEDED' });
      expect(confirmed!.history.map((h) => h.status)).toEqual(['PENDING', 'RESERVED', 'PAID', 'CONFIRMED']);
    }
  });

  it('a declined card: PENDING, RESERVED, then CANCELLED(PAYMENT_DECLINED) with the failed payment', async () => {
    let watched!: Watch<OrderEvent>;
    await withPausedOrder(token, 'tok_decline', (id) => {
      watched = watch<OrderEvent>(live(routerB, token), orderUpdated, { id });
      return 1;
    });
    expect(await watched.ended).toEqual({});
    expect(statuses(watched.results)).toEqual(['PENDING', 'RESERVED', 'CANCELLED']);
    const cancelled = watched.results.at(-1)!.data!.orderUpdated;
    expect(cancelled.cancelReason).toBe('PAYMENT_DECLINED');
    expect(cancelled.payment).toEqual({ status: 'FAILED' });
  });

  it('a client subscribing after the order is final gets its state at once, then completion', async () => {
    const id = await order(token, 'tok_visa');
    await eventually(async () => {
      const result = await graphql<{ order: { status: string } }>(routerA, 'query ($id: ID!) { order(id: $id) { status } }', {
        token,
        variables: { id },
      });
      return result.body.data?.order.status === 'CONFIRMED';
    }, 'the order is CONFIRMED');
    const watched = watch<OrderEvent>(live(routerA, token), orderUpdated, { id });
    expect(await watched.ended).toEqual({});
    expect(statuses(watched.results)).toEqual(['CONFIRMED']);
  });

  it('a document: upload, submit, then job progress events ending COMPLETED', async () => {
    const body = 'Invoice 7\nTotal due: 12.50 EUR\n';
    const upload = await graphql<{ createDocumentUpload: PresignedUploadAnswer & { document: { id: string } } }>(
      routerA,
      'mutation ($input: DocumentUploadInput!) { createDocumentUpload(input: $input) { uploadUrl uploadHeaders { name value } document { id } } }',
      { token, variables: { input: { filename: 'invoice-7.txt', contentType: 'text/plain', size: Buffer.byteLength(body) } } },
    );
    const { document } = upload.body.data!.createDocumentUpload;
    expect((await putUpload(upload.body.data!.createDocumentUpload, Buffer.from(body))).status).toBe(200);

    services.worker.child.kill('SIGSTOP');
    let jobId: string;
    try {
      const submitted = await graphql<{ submitDocument: { id: string } }>(
        routerA,
        'mutation ($id: ID!) { submitDocument(id: $id) { id } }',
        { token, variables: { id: document.id } },
      );
      expect(submitted.body.errors).toBeUndefined();
      jobId = submitted.body.data!.submitDocument.id;
    } finally {
      services.worker.child.kill('SIGCONT');
    }
    const watched = watch<{
      documentJobUpdated: {
        status: string;
        progress: number;
        text: string | null;
        document: { filename: string; owner: { displayName: string } };
      };
    }>(
      live(routerA, token),
      `subscription ($id: ID!) { documentJobUpdated(jobId: $id) { status progress text document { filename owner { displayName } } } }`,
      { id: jobId },
    );
    expect(await watched.ended).toEqual({});
    const jobs = watched.results.map((r) => r.data!.documentJobUpdated);
    expect(jobs.at(-1)).toMatchObject({ status: 'COMPLETED', progress: 100 });
    expect(jobs.at(-1)!.text).toContain('Total due: 12.50 EUR');
    const progress = jobs.map((j) => j.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b)); // never backwards
    for (const job of jobs) expect(job.document).toEqual({ filename: 'invoice-7.txt', owner: { displayName: 'Ada Lovelace' } });
  });
});

describe('identity over the socket', () => {
  it('no token: the connection opens, but subscribing to an order is UNAUTHENTICATED', async () => {
    const watched = watch(live(routerA), orderUpdated, { id: randomUUID() });
    const { error } = await watched.ended;
    expect((error as { extensions: { code: string } }[])[0]!.extensions.code).toBe('UNAUTHENTICATED');
  });

  it('a bad token: the socket closes with 4401 before any subscription', async () => {
    const connection = live(routerA, 'not-a-jwt');
    const watched = watch(connection, orderUpdated, { id: randomUUID() });
    const closed = await connection.closed;
    expect(closed.code).toBe(4401);
    expect(closed.reason).toMatch(/Unauthorized/);
    await watched.ended;
    expect(watched.results).toEqual([]);
  });

  it("someone else's order: FORBIDDEN", async () => {
    const id = await order(token, 'tok_timeout'); // Ada's
    const [stranger] = await mintAccessTokens(fixture.databases.auth.url, 1);
    const watched = watch(live(routerA, stranger!.token), orderUpdated, { id });
    // Refused when the subgraph resolves the subscription (not at validation): one result with the
    // error and no data, then completion — as graphql-ws does for any subscription refused by its resolver.
    expect(await watched.ended).toEqual({});
    expect(watched.results).toHaveLength(1);
    expect(watched.results[0]!.data).toBeNull();
    expect(watched.results[0]!.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  });

  it('a token expiring during the subscription: an UNAUTHENTICATED error, then close 4401', async () => {
    const [buyer] = await mintAccessTokens(fixture.databases.auth.url, 1, ['CUSTOMER'], 3);
    const id = await order(buyer!.token, 'tok_timeout'); // the charge hangs: the order stays open
    const connection = live(routerA, buyer!.token);
    const watched = watch<OrderEvent>(connection, 'subscription ($id: ID!) { orderUpdated(id: $id) { status } }', { id });
    await watched.until((r) => r.length >= 1);
    const closed = await connection.closed;
    expect(closed).toEqual({ code: 4401, reason: 'Unauthorized: the access token has expired' });
    const last = watched.results.at(-1)!;
    expect(last.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(last.errors?.[0]?.message).toMatch(/expired/);
  });

  it('a token refreshed in a ping keeps the subscription open past the first expiry', async () => {
    const [buyer] = await mintAccessTokens(fixture.databases.auth.url, 1, ['CUSTOMER'], 3);
    const id = await order(buyer!.token, 'tok_timeout');
    const connection = live(routerA, buyer!.token);
    const watched = watch<OrderEvent>(connection, 'subscription ($id: ID!) { orderUpdated(id: $id) { status } }', { id });
    await watched.until((r) => r.length >= 1);
    const fresh = await mintAccessTokens(fixture.databases.auth.url, 1, ['CUSTOMER'], 3600, buyer!.userId);
    (await connection.socket()).send(JSON.stringify({ type: 'ping', payload: { authorization: `Bearer ${fresh[0]!.token}` } }));
    const outcome = await Promise.race([connection.closed, new Promise((r) => setTimeout(() => r('open'), 5_000))]);
    expect(outcome).toBe('open');
    expect(watched.results.every((r) => r.errors === undefined)).toBe(true);
  });
});

describe('efficiency', () => {
  it('100 identical subscriptions share one upstream subscription, closed when the last client leaves', async () => {
    const id = await order(token, 'tok_timeout');
    // (Earlier tests may still hold subscriptions: count what this one adds.)
    const before = {
      clients: await routerFigure('meridian_router_subscriptions'),
      upstreams: await routerFigure('meridian_router_subscription_upstreams'),
      subgraph: await subgraphSubscriptions(ports.orders),
    };
    const clients = Array.from({ length: 100 }, () => live(routerA, token));
    const watches = clients.map((c) => watch<OrderEvent>(c, orderUpdated, { id }));
    await Promise.all(watches.map((w) => w.until((r) => r.length >= 1)));
    expect(await routerFigure('meridian_router_subscriptions')).toBe(before.clients + 100);
    expect(await routerFigure('meridian_router_subscription_upstreams')).toBe(before.upstreams + 1);
    expect(await subgraphSubscriptions(ports.orders)).toBe(before.subgraph + 1);
    for (const w of watches) expect(w.results[0]!.data!.orderUpdated.buyer.displayName).toBe('Ada Lovelace');

    for (const w of watches) w.stop();
    await eventually(
      async () => (await routerFigure('meridian_router_subscription_upstreams')) === before.upstreams,
      'the router closed the shared upstream',
    );
    await eventually(async () => (await subgraphSubscriptions(ports.orders)) === before.subgraph, 'orders dropped it too');
    expect(await routerFigure('meridian_router_subscriptions')).toBe(before.clients);
  });

  it('an orders replica restarting: the router subscribes again and the client misses no final state', async () => {
    const id = await order(token, 'tok_timeout'); // stays open until cancelled
    const watched = watch<OrderEvent>(
      live(routerB, token),
      'subscription ($id: ID!) { orderUpdated(id: $id) { status cancelReason } }',
      {
        id,
      },
    );
    await watched.until((r) => r.length >= 1);
    await services.ordersB.stop('SIGTERM'); // router B's upstream socket closes (1001)
    services.ordersB = startOrdersB();
    await services.ordersB.healthy(60_000);
    await eventually(async () => (await subgraphSubscriptions(ports.ordersB)) === 1, 'router B subscribed again');
    const cancelled = await graphql(routerA, 'mutation ($id: ID!) { cancelOrder(id: $id) { status } }', {
      token,
      variables: { id },
    });
    expect(cancelled.body.errors).toBeUndefined();
    expect(await watched.ended).toEqual({});
    expect(watched.results.at(-1)!.data!.orderUpdated).toEqual({ status: 'CANCELLED', cancelReason: 'CANCELLED_BY_CUSTOMER' });
    expect(watched.results.every((r) => r.errors === undefined)).toBe(true);
  });

  it('a subgraph of the rest of the plan down: errors on each event, the subscription goes on to its end', async () => {
    const id = await order(token, 'tok_timeout');
    const watched = watch<OrderEvent>(live(routerA, token), orderUpdated, { id });
    await watched.until((r) => r.length >= 1);
    await services.payments.stop('SIGTERM'); // Order.payment can no longer be resolved
    const cancelled = await graphql(routerA, 'mutation ($id: ID!) { cancelOrder(id: $id) { status } }', {
      token,
      variables: { id },
    });
    expect(cancelled.body.errors).toBeUndefined();
    expect(await watched.ended).toEqual({});
    const last = watched.results.at(-1)!;
    expect(last.data!.orderUpdated).toMatchObject({ status: 'CANCELLED', payment: null, buyer: { displayName: 'Ada Lovelace' } });
    // The gateway reports an unreachable subgraph without a path, as it does for queries.
    expect(last.errors).toHaveLength(1);
    expect(last.errors![0]!.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    services.payments = group.start('payments', 'subgraphs/payments/src/main.ts', { healthUrl: health(ports.payments) });
    await services.payments.healthy(60_000);
  });

  it('SIGTERM: clients get a close they can reconnect from (1001) and the upstreams are closed', async () => {
    const id = await order(token, 'tok_timeout');
    const connection = live(routerB, token);
    const watched = watch<OrderEvent>(connection, orderUpdated, { id });
    await watched.until((r) => r.length >= 1);
    expect(await subgraphSubscriptions(ports.ordersB)).toBe(1);
    await services.routerB.stop('SIGTERM');
    expect((await connection.closed).code).toBe(1001);
    expect(services.routerB.child.exitCode).toBe(0);
    await eventually(async () => (await subgraphSubscriptions(ports.ordersB)) === 0, 'orders B has no subscription left');
  });
});
