/**
 * Subgraph circuit breakers through the router, on real subgraph servers (the conformance harness's
 * shop), in production mode (errors as clients see them there): a subgraph killed under load opens its
 * breaker after ROUTER_BREAKER_FAILURES transport failures; its fields then fail at once with
 * SUBGRAPH_UNAVAILABLE while the rest of the answer is served; `/ready` shows it open; once the
 * subgraph is back, the half-open probe closes the breaker. GraphQL errors never open it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '#kit/testing';
import { post, startFederation, type Federation, type ServedSubgraph, type WireResponse } from './conformance/harness.ts';
import { shop } from './conformance/fixtures/shop.ts';

const failures = 3;
const halfOpenAfterMs = 400;
const timeoutMs = 1_000;

let federation: Federation;
let base = '';
let accounts: ServedSubgraph;
beforeAll(async () => {
  federation = await startFederation([...shop], {
    router: { production: true, subgraphTimeoutMs: timeoutMs, breaker: { failures, halfOpenAfterMs } },
  });
  base = federation.meridianUrl.replace(/\/graphql$/, '');
  accounts = federation.subgraphs.accounts!;
});
afterAll(() => federation?.stop());
// A test that failed half-way leaves the subgraph healthy and its breaker closed for the next one.
afterEach(async () => {
  accounts.behaviour = 'answer';
  accounts.delayMs = 0;
  if ((await ready()).body.subgraphs.accounts === 'closed') return;
  await accounts.restart();
  await eventually(
    async () => (await post(federation.meridianUrl, withAuthors)).body.errors === undefined,
    'the breaker closed again',
    5_000,
    halfOpenAfterMs,
  );
});

/** Products and reviews from their subgraphs, the authors' names from accounts (nullable). */
const withAuthors = '{ topProducts(first: 1) { name reviews { body author { name } } } }';
const complete = {
  topProducts: [
    {
      name: 'Table',
      reviews: [
        { body: 'Love it!', author: { name: 'Ada Lovelace' } },
        { body: 'Too expensive.', author: { name: 'Alan Turing' } },
      ],
    },
  ],
};
const partial = {
  topProducts: [
    {
      name: 'Table',
      reviews: [
        { body: 'Love it!', author: { name: null } },
        { body: 'Too expensive.', author: { name: null } },
      ],
    },
  ],
};

const codes = ({ body }: WireResponse) => (body.errors ?? []).map((error) => error.extensions?.code);
const ready = async () => {
  const response = await fetch(`${base}/ready`);
  return { status: response.status, body: (await response.json()) as { supergraph: string; subgraphs: Record<string, string> } };
};
const metrics = async () => (await fetch(`${federation.meridianAdminUrl}/metrics`)).text();
const metric = (text: string, pattern: string) => Number(new RegExp(`^${pattern} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function timed(query: string) {
  const started = performance.now();
  const response = await post(federation.meridianUrl, query);
  return { response, ms: performance.now() - started };
}

/** Waits out the open period; the next request is the probe, and must get the complete answer. */
async function expectRecovery() {
  await sleep(halfOpenAfterMs + 50);
  const { body } = await post(federation.meridianUrl, withAuthors);
  expect(body).toEqual({ data: complete });
  expect((await ready()).body.subgraphs.accounts).toBe('closed');
}

describe('a subgraph circuit breaker', () => {
  it('opens when the subgraph is killed under load; then partial data and SUBGRAPH_UNAVAILABLE at once; /ready shows it', async () => {
    expect((await post(federation.meridianUrl, withAuthors)).body).toEqual({ data: complete });
    const before = await ready();
    expect(before.status).toBe(200);
    expect(before.body.supergraph).toMatch(/^[0-9a-f]{64}$/);
    expect(before.body.subgraphs).toEqual({ products: 'closed', inventory: 'closed', reviews: 'closed', accounts: 'closed' });

    // Four clients in a loop; the accounts subgraph dies under them.
    const answers: { codes: unknown[]; data: unknown; sent: number; ms: number }[] = [];
    let loading = true;
    const client = async () => {
      while (loading) {
        const sent = performance.now();
        const { response, ms } = await timed(withAuthors);
        answers.push({ codes: codes(response), data: response.body.data, sent, ms });
      }
    };
    const clients = Array.from({ length: 4 }, client);
    await eventually(() => answers.length >= 8, 'the clients are answered', 10_000, 10);
    await accounts.stop();
    const killedAt = performance.now();
    await eventually(async () => (await ready()).body.subgraphs.accounts === 'open', 'the breaker is open', 5_000, 10);
    const openedAt = performance.now();
    await sleep(200);
    loading = false;
    await Promise.all(clients);

    const beforeKill = answers.filter((answer) => answer.sent + answer.ms < killedAt);
    const afterKill = answers.filter((answer) => answer.sent > killedAt);
    const whileOpen = answers.filter((answer) => answer.sent > openedAt);
    expect(beforeKill.length).toBeGreaterThan(0);
    expect(beforeKill.every((answer) => answer.codes.length === 0)).toBe(true);
    // The fetches that did reach for the dead subgraph: the breaker's N, plus any already in flight when it opened.
    const unreachable = metric(
      await metrics(),
      'meridian_router_subgraph_errors_total\\{subgraph="accounts",code="SUBGRAPH_UNREACHABLE"\\}',
    );
    expect(unreachable).toBeGreaterThanOrEqual(failures);
    expect(unreachable).toBeLessThanOrEqual(failures + 4);
    const openMs = whileOpen.map((answer) => answer.ms);
    console.info(
      `killed under load: ${answers.length} answers, ${unreachable} fetches reached for the dead subgraph, ` +
        `then ${openMs.length} answers with the breaker open (slowest ${Math.max(...openMs).toFixed(1)} ms)`,
    );
    // Every answer after the kill is partial: the other subgraphs' data, one error for the dead one.
    for (const answer of afterKill) {
      expect(answer.data).toEqual(partial);
      expect(answer.codes).toHaveLength(1);
      expect(['SERVICE_UNAVAILABLE', 'SUBGRAPH_UNAVAILABLE']).toContain(answer.codes[0]);
    }
    expect(whileOpen.length).toBeGreaterThan(5);
    expect(whileOpen.every((answer) => answer.codes[0] === 'SUBGRAPH_UNAVAILABLE')).toBe(true);

    // As a client sees it in production: a stable code, a hint when to retry, no internals.
    const { response, ms } = await timed(withAuthors);
    expect(ms).toBeLessThan(timeoutMs / 5);
    expect(response.body.data).toEqual(partial);
    // One error for the fetch (as for a timeout), naming the subgraph; its fields are null.
    expect(response.body.errors).toEqual([
      {
        message: 'Subgraph "accounts" is unavailable; try again in 1 s',
        extensions: { code: 'SUBGRAPH_UNAVAILABLE', retryAfterSeconds: 1 },
      },
    ]);
    const open = await ready();
    expect(open.status).toBe(200); // partial answers are still answers: an open breaker keeps the router ready
    expect(open.body.subgraphs).toEqual({ products: 'closed', inventory: 'closed', reviews: 'closed', accounts: 'open' });
    const text = await metrics();
    expect(metric(text, 'meridian_router_subgraph_breaker_state\\{subgraph="accounts"\\}')).toBe(1);
    expect(
      metric(text, 'meridian_router_subgraph_errors_total\\{subgraph="accounts",code="SUBGRAPH_UNAVAILABLE"\\}'),
    ).toBeGreaterThan(0);

    // The subgraph is back: the first request after the open period probes it and closes the breaker.
    await accounts.restart();
    await expectRecovery();
    const after = await metrics();
    expect(metric(after, 'meridian_router_subgraph_breaker_state\\{subgraph="accounts"\\}')).toBe(0);
    for (const to of ['open', 'half-open', 'closed']) {
      expect(metric(after, `meridian_router_subgraph_breaker_transitions_total\\{subgraph="accounts",to="${to}"\\}`)).toBe(1);
    }
  });

  it('a hung subgraph costs the timeout N times, then its fields fail at once, well under the timeout', async () => {
    accounts.delayMs = 2_000;
    for (let i = 0; i < failures; i++) {
      const { response, ms } = await timed(withAuthors);
      expect(codes(response)).toEqual(['SERVICE_UNAVAILABLE']);
      expect(ms).toBeGreaterThanOrEqual(timeoutMs - 10);
    }
    const fast = await Promise.all(Array.from({ length: 5 }, () => timed(withAuthors)));
    console.info(`hung subgraph, breaker open: ${fast.map(({ ms }) => ms.toFixed(1)).join(', ')} ms (timeout ${timeoutMs} ms)`);
    for (const { response, ms } of fast) {
      expect(codes(response)).toEqual(['SUBGRAPH_UNAVAILABLE']);
      expect(response.body.data).toEqual(partial);
      expect(ms).toBeLessThan(timeoutMs / 5);
    }
    accounts.delayMs = 0;
    await expectRecovery();
  });

  it('a probe that fails opens it again', async () => {
    accounts.behaviour = 'http-500'; // 5xx garbage counts as a transport failure
    for (let i = 0; i < failures; i++) await post(federation.meridianUrl, withAuthors);
    expect(codes(await post(federation.meridianUrl, withAuthors))).toEqual(['SUBGRAPH_UNAVAILABLE']);
    await sleep(halfOpenAfterMs + 50);
    const received = accounts.received.length;
    expect(codes(await post(federation.meridianUrl, withAuthors))).toEqual(['INTERNAL_SERVER_ERROR']); // the probe, answered 500
    expect(accounts.received.length).toBe(received + 1);
    expect(codes(await post(federation.meridianUrl, withAuthors))).toEqual(['SUBGRAPH_UNAVAILABLE']);
    expect(accounts.received.length).toBe(received + 1);
    expect((await ready()).body.subgraphs.accounts).toBe('open');
    accounts.behaviour = 'answer';
    await expectRecovery();
  });

  it('GraphQL errors in a 200 answer never open it: the subgraph is working', async () => {
    for (let i = 0; i < failures * 3; i++) {
      const { body } = await post(federation.meridianUrl, '{ users { id name } }');
      expect(codes({ status: 200, body })).toEqual(['FORBIDDEN']); // u3's name, from the subgraph
      expect((body.data?.users as unknown[]).length).toBe(3);
    }
    expect((await ready()).body.subgraphs.accounts).toBe('closed');
  });
});
