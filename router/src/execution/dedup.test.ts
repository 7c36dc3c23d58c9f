/**
 * In-flight deduplication through the router, counted where it matters — upstream: identical
 * queries in flight for one caller run once; another caller (token or address) never shares; a
 * mutation always runs; `dedup: false` (ROUTER_DEDUP=false) turns sharing off. The subgraphs hold
 * their answers a while so that the requests overlap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '#kit/auth';
import { startFederation, type Federation } from './conformance/harness.ts';
import { ledger, resetLedger } from './conformance/fixtures/ledger.ts';
import { shop } from './conformance/fixtures/shop.ts';

/** Any bearer token is a viewer of that name (what the router forwards is what is counted). */
const verifyToken = async (token: string): Promise<Viewer> => ({
  id: token,
  token,
  roles: ['CUSTOMER'],
  scopes: [],
  isAdmin: false,
});

const query = '{ topProducts(first: 2) { name reviews { body author { name } } } }';
let shared: Federation;
let unshared: Federation;

beforeAll(async () => {
  [shared, unshared] = await Promise.all([
    startFederation([...shop], { router: { verifyToken, trustedProxies: ['127.0.0.1'] } }),
    startFederation([...shop], { router: { verifyToken, dedup: false } }),
  ]);
  for (const federation of [shared, unshared]) for (const subgraph of Object.values(federation.subgraphs)) subgraph.delayMs = 150;
});
afterAll(async () => {
  await shared?.stop();
  await unshared?.stop();
});

async function send(url: string, body: { query: string; variables?: unknown }, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return (await response.json()) as { data?: any; errors?: unknown[] };
}

const received = (federation: Federation) =>
  Object.fromEntries(Object.entries(federation.subgraphs).map(([name, subgraph]) => [name, subgraph.received.length]));
const clear = (federation: Federation) => Object.values(federation.subgraphs).forEach((s) => (s.received.length = 0));

describe('in-flight deduplication', () => {
  it('runs ten identical queries of one caller once: one request per subgraph', async () => {
    clear(shared);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => send(shared.meridianUrl, { query }, { authorization: 'Bearer ada' })),
    );
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]!.data.topProducts).toHaveLength(2);
    expect(received(shared)).toEqual({ products: 1, inventory: 0, reviews: 1, accounts: 1 });
  });

  it('never shares between callers: each token, and each client address, gets its own requests', async () => {
    clear(shared);
    const callers: Record<string, string>[] = [
      { authorization: 'Bearer ada' },
      { authorization: 'Bearer grace' },
      { authorization: 'Bearer ada', 'x-forwarded-for': '203.0.113.7' }, // the same token from elsewhere
      {}, // anonymous
    ];
    await Promise.all(
      callers.flatMap((headers) => [send(shared.meridianUrl, { query }, headers), send(shared.meridianUrl, { query }, headers)]),
    );
    expect(received(shared).products).toBe(4);
    expect(shared.subgraphs.products!.received.map((r) => r.authorization ?? 'anonymous').sort()).toEqual([
      'Bearer ada',
      'Bearer ada',
      'Bearer grace',
      'anonymous',
    ]);
  });

  it('does not share different variables, nor a query that starts after the first one answered', async () => {
    clear(shared);
    const byFirst = 'query ($first: Int) { topProducts(first: $first) { name } }';
    await Promise.all([
      send(shared.meridianUrl, { query: byFirst, variables: { first: 1 } }),
      send(shared.meridianUrl, { query: byFirst, variables: { first: 2 } }),
    ]);
    await send(shared.meridianUrl, { query: byFirst, variables: { first: 1 } });
    expect(received(shared).products).toBe(3);
  });

  it('with dedup off, every query runs', async () => {
    clear(unshared);
    await Promise.all(Array.from({ length: 5 }, () => send(unshared.meridianUrl, { query }, { authorization: 'Bearer ada' })));
    expect(received(unshared).products).toBe(5);
  });
});

describe('mutations are never shared', () => {
  let bank: Federation;
  beforeAll(async () => {
    bank = await startFederation([...ledger], { router: { verifyToken } });
    resetLedger();
  });
  afterAll(() => bank?.stop());

  it('two identical deposits in flight at once are two deposits', async () => {
    const deposit = 'mutation { deposit(amount: 10) { balance } }';
    const answers = await Promise.all([send(bank.meridianUrl, { query: deposit }), send(bank.meridianUrl, { query: deposit })]);
    expect(answers.map((a) => a.data.deposit.balance).sort()).toEqual([10, 20]);
    expect(bank.subgraphs.bank!.received).toHaveLength(2);
  });
});
