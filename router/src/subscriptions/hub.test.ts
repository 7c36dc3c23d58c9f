/**
 * The hub against a scripted upstream (the router's own `Upstreams` port, standing in for a subgraph
 * socket) and a plan whose `execute` is scripted: sharing, ordering, bounds and endings. The real
 * upstream and planner are exercised end to end in stack/src/subscriptions.test.ts.
 */
import { parse, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Viewer } from '#kit/auth';
import { createLogger } from '#kit/logger';
import { testViewer } from '#kit/testing';
import { createSubscriptionHub, type LiveQuerySpec, type Subscriber } from './hub.ts';
import type { SubscriptionPlan } from './query-plan.ts';
import type { UpstreamRequest, UpstreamSink, Upstreams } from './upstream.ts';

function scriptedUpstreams() {
  const opened: { request: UpstreamRequest; sink: UpstreamSink; stopped: boolean }[] = [];
  const upstreams: Upstreams = {
    subscribe(_service, request, sink) {
      const entry = { request, sink, stopped: false };
      opened.push(entry);
      return { end: () => (entry.stopped = true) };
    },
    close: async () => {},
  };
  return { upstreams, opened };
}

/** A plan whose rest takes `delayOf(event)` ms and echoes the event's data with the viewer it ran for. */
function plan(delayOf: (n: number) => number = () => 0): SubscriptionPlan {
  return {
    id: 1,
    document: parse('subscription($id: ID!) { orderUpdated(id: $id) { status } }'),
    service: 'orders',
    operation: 'subscription($id:ID!){orderUpdated(id:$id){status}}',
    variableUsages: ['id'],
    hasRest: true,
    queryPlan: { kind: 'QueryPlan' },
    validateVariables: () => [],
    async execute(event, request) {
      const n = (event.data as { n: number }).n;
      await new Promise((r) => setTimeout(r, delayOf(n)));
      return { data: { n, for: (request.context as { viewer: Viewer | null }).viewer?.token ?? null } };
    },
  };
}

const spec = (p: SubscriptionPlan): LiveQuerySpec => ({
  plan: p,
  variables: { id: 'o-1', unused: true },
  denied: [],
  correlationId: 'c-1',
  clientAddress: '127.0.0.1',
});

function subscriber(viewer: Viewer | null = testViewer('u-1')) {
  const results: ExecutionResult[] = [];
  let ended = false;
  const self: Subscriber & { results: ExecutionResult[]; ended: () => boolean; viewer: () => Viewer | null } = {
    viewer: () => viewer,
    deliver: (r) => results.push(r),
    end: () => (ended = true),
    results,
    ended: () => ended,
  };
  return Object.assign(self, { setViewer: (v: Viewer) => (viewer = v) });
}

const settle = (ms = 20) => new Promise((r) => setTimeout(r, ms));
const logger = createLogger('test', 'silent');

describe('subscription hub', () => {
  it('one upstream per key; a late joiner gets the latest result at once; the last to leave closes it', async () => {
    const { upstreams, opened } = scriptedUpstreams();
    const hub = createSubscriptionHub({ upstreams, logger });
    const first = subscriber();
    const firstLive = hub.join('k', spec(plan()), first);
    expect(opened).toHaveLength(1);
    expect(opened[0]!.request).toMatchObject({
      variables: { id: 'o-1' },
      correlationId: 'c-1',
      authorization: `Bearer ${first.viewer()!.token}`,
    });
    opened[0]!.sink.next({ data: { n: 1 } });
    await settle();
    const second = subscriber();
    const secondLive = hub.join('k', spec(plan()), second);
    expect(opened).toHaveLength(1);
    expect(second.results.map((r) => r.data)).toEqual([{ n: 1, for: first.viewer()!.token }]);
    opened[0]!.sink.next({ data: { n: 2 } });
    await settle();
    expect(first.results.map((r) => (r.data as { n: number }).n)).toEqual([1, 2]);
    expect(second.results.map((r) => (r.data as { n: number }).n)).toEqual([1, 2]);
    firstLive.leave(first);
    expect(opened[0]!.stopped).toBe(false);
    secondLive.leave(second);
    expect(opened[0]!.stopped).toBe(true);
    expect(hub.size()).toBe(0);
  });

  it('keeps events in order when the rest of the plan takes longer for some, and drops the oldest waiting', async () => {
    const { upstreams, opened } = scriptedUpstreams();
    let dropped = 0;
    const hub = createSubscriptionHub({
      upstreams,
      logger,
      maxWaitingEvents: 3,
      counters: { events: () => {}, dropped: () => dropped++ },
    });
    const client = subscriber();
    hub.join('k', spec(plan((n) => (n === 1 ? 60 : 1))), client);
    for (let n = 1; n <= 8; n += 1) opened[0]!.sink.next({ data: { n } });
    await settle(150);
    // 1 was running; of 2..8 waiting behind it only the newest 3 were kept.
    expect(client.results.map((r) => (r.data as { n: number }).n)).toEqual([1, 6, 7, 8]);
    expect(dropped).toBe(4);
  });

  it('the upstream completing ends every client after the events still running; an error is sent first', async () => {
    const { upstreams, opened } = scriptedUpstreams();
    const hub = createSubscriptionHub({ upstreams, logger });
    const a = subscriber();
    const b = subscriber();
    hub.join('k', spec(plan(() => 20)), a);
    hub.join('k', spec(plan()), b);
    opened[0]!.sink.next({ data: { n: 1 } });
    opened[0]!.sink.complete();
    expect(a.ended()).toBe(false); // event 1 is still being resolved
    await settle(60);
    expect(a.results.map((r) => (r.data as { n: number }).n)).toEqual([1]);
    expect(a.ended() && b.ended()).toBe(true);
    expect(hub.size()).toBe(0);

    const c = subscriber();
    hub.join('other', spec(plan()), c);
    opened[1]!.sink.error([{ message: 'The orders service cannot be reached', extensions: { code: 'SERVICE_UNAVAILABLE' } }]);
    await settle();
    expect(c.results.at(-1)!.errors!.map((e) => e.extensions.code)).toEqual(['SERVICE_UNAVAILABLE']);
    expect(c.ended()).toBe(true);
  });

  it('runs the rest of the plan as the subscriber whose token lives longest', async () => {
    const { upstreams, opened } = scriptedUpstreams();
    const hub = createSubscriptionHub({ upstreams, logger });
    const soon = subscriber({ ...testViewer('u-1'), token: 'soon', expiresAt: 100 });
    const later = subscriber({ ...testViewer('u-1'), token: 'later', expiresAt: 200 });
    hub.join('k', spec(plan()), soon);
    hub.join('k', spec(plan()), later);
    opened[0]!.sink.next({ data: { n: 1 } });
    await settle();
    expect(soon.results[0]!.data).toEqual({ n: 1, for: 'later' });
  });

  it('an upstream refusing an expired token is opened again with a refreshed one; without one the clients get the error', async () => {
    const { upstreams, opened } = scriptedUpstreams();
    const hub = createSubscriptionHub({ upstreams, logger });
    const client = subscriber({ ...testViewer('u-1'), token: 'old', expiresAt: 100 });
    hub.join('k', spec(plan()), client);
    client.setViewer({ ...testViewer('u-1'), token: 'new', expiresAt: 200 });
    const expired = [{ message: 'The access token has expired; refresh it', extensions: { code: 'UNAUTHENTICATED' } }];
    opened[0]!.sink.error(expired);
    expect(opened).toHaveLength(2);
    expect(opened[1]!.request.authorization).toBe('Bearer new');
    expect(client.ended()).toBe(false);
    opened[1]!.sink.error(expired); // nothing fresher: give up
    await settle();
    expect(opened).toHaveLength(2);
    expect(client.results.at(-1)!.errors![0]!.extensions.code).toBe('UNAUTHENTICATED');
    expect(client.ended()).toBe(true);
  });
});
