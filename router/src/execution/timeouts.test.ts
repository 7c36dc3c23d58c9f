/**
 * ROUTER_SUBGRAPH_TIMEOUT_MS through the router: a subgraph slower than the timeout costs its own
 * fields (null, propagated to the nearest nullable parent) and one SERVICE_UNAVAILABLE error; the
 * rest of the response is there, and the router answers within about the timeout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, startFederation, type Federation } from './conformance/harness.ts';
import { shop } from './conformance/fixtures/shop.ts';

let federation: Federation;
beforeAll(async () => {
  federation = await startFederation([...shop], { router: { subgraphTimeoutMs: 200 } });
});
afterAll(() => federation?.stop());

describe('a subgraph slower than ROUTER_SUBGRAPH_TIMEOUT_MS', () => {
  it('yields partial data: its fields null, one SERVICE_UNAVAILABLE error naming it', async () => {
    federation.subgraphs.reviews!.delayMs = 2_000;
    const started = Date.now();
    const { body } = await post(federation.meridianUrl, '{ topProducts(first: 2) { name reviews { body } } }');
    const took = Date.now() - started;
    federation.subgraphs.reviews!.delayMs = 0;

    // Product.reviews is [Review!]!: the null propagates to each product, and topProducts' items are non-null too.
    expect(body.data).toBeNull();
    expect(body.errors).toEqual([
      expect.objectContaining({
        message: 'Subgraph "reviews" did not answer within 200 ms',
        extensions: expect.objectContaining({ code: 'SERVICE_UNAVAILABLE', serviceName: 'reviews' }),
      }),
    ]);
    expect(took).toBeLessThan(1_500);
  });

  it('keeps what other subgraphs answered when the slow field is nullable', async () => {
    federation.subgraphs.accounts!.delayMs = 2_000;
    const { body } = await post(federation.meridianUrl, '{ topProducts(first: 1) { name reviews { body author { name } } } }');
    federation.subgraphs.accounts!.delayMs = 0;
    const reviews = (body.data as any).topProducts[0].reviews as { body: string; author: { name: string | null } }[];
    expect(reviews.length).toBeGreaterThan(0);
    expect(reviews.every((review) => typeof review.body === 'string' && review.author.name === null)).toBe(true);
    expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['SERVICE_UNAVAILABLE']);
  });

  it('counts each fetch in /metrics by subgraph and outcome', async () => {
    const metrics = await (await fetch(`${federation.meridianAdminUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /meridian_router_subgraph_request_duration_seconds_count\{subgraph="reviews",outcome="SUBGRAPH_TIMEOUT",shared="false"\} 1\n/,
    );
    expect(metrics).toMatch(
      /meridian_router_subgraph_request_duration_seconds_count\{subgraph="products",outcome="ok",shared="false"\} [1-9]/,
    );
  });

  it('answers normally once the subgraph is fast again', async () => {
    const { body } = await post(federation.meridianUrl, '{ topProducts(first: 1) { name inStock } }');
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ topProducts: [{ name: 'Table', inStock: true }] });
  });
});
